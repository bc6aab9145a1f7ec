import { hasConsent, rememberConsent } from '../../config/project.js'
import type { Deps } from '../../deps.js'
import { CaigedError } from '../../errors.js'
import {
  authFileCredentials,
  injectedCredentials,
  type InjectedCredential,
} from '../../egress/credentials.js'
import { readTextIfExists } from '../../host/local-files.js'
import { readSalt } from '../../secrets/salt.js'
import type { RunLookups } from './lookup.js'
import type { RunOptions } from './options.js'
import type { RunPlan } from './plan.js'

/** The secrets the gateway injects, and the auth.json the agent gets (with their placeholders). */
export interface RunCredentials {
  injected: InjectedCredential[]
  /** What is copied in as OpenCode's auth.json; undefined when it is not copied. */
  authCopy: string | undefined
  /** The auth.json entries the agent holds for real (with the user's say). */
  authInside: string[]
}

/**
 * The secrets of this run the gateway injects (egress/credentials.ts): the known providers' keys
 * and marked secrets passed in, and the API keys in OpenCode's auth.json. None without a gateway
 * (--egress open: the agent then holds what it is given, as before). Their placeholders are derived
 * from the machine's salt, which the run's password made sure of.
 */
export async function credentialsFor(
  o: Pick<RunOptions, 'yes'>,
  plan: RunPlan,
  found: Pick<RunLookups, 'authMtime'>,
  d: Pick<Deps, 'paths' | 'io'>,
): Promise<RunCredentials> {
  const auth = found.authMtime === undefined ? undefined : readTextIfExists(d.paths.hostAuthFile)
  if (plan.egressMode === 'open') return { injected: [], authCopy: auth, authInside: [] }
  const salt = (await readSalt(d.paths.saltFile)) ?? ''
  const passed = injectedCredentials({
    agent: plan.name,
    values: plan.secrets.values,
    marks: plan.secrets.marks,
    salt,
  })
  if (auth === undefined) return { injected: passed, authCopy: undefined, authInside: [] }
  const asked = authFileCredentials(auth, { agent: plan.name, salt }).inside
  const inside = asked.length ? await consentToSignIns(asked, plan.name, o.yes, d) : []
  const fromAuth = authFileCredentials(auth, { agent: plan.name, salt, keepInside: () => inside })
  return { injected: [...passed, ...fromAuth.credentials], authCopy: fromAuth.agentCopy, authInside: inside }
}

/**
 * What auth.json holds that the gateway cannot keep outside (OAuth sign-ins, keys of providers it
 * does not know) goes into the agent only with the user's say: asked once per container and what
 * it holds (remembered), --yes for scripts. With no terminal to ask on, it stays out, said so.
 */
async function consentToSignIns(
  ids: string[],
  agent: string,
  yes: boolean,
  d: Pick<Deps, 'paths' | 'io'>,
): Promise<string[]> {
  const key = `sign-ins of ${agent}`
  if (await hasConsent(d.paths.consentFile, key, ids)) return ids
  let ok = yes
  if (!ok) {
    try {
      ok = await d.io.confirm(
        `OpenCode's auth.json holds sign-ins caiged cannot keep outside the agent (${ids.join(', ')}). ` +
          `Copy them into ${agent}, which can then use them as you (remembered)?`,
        '--yes',
      )
    } catch (error) {
      if (!(error instanceof CaigedError)) throw error
    }
  }
  if (!ok) {
    d.io.warn(
      `Not copied into ${agent}: ${ids.join(', ')} from auth.json (the agent cannot use them). ` +
        'Answer yes in a terminal once, or pass --yes, to copy them in.',
    )
    return []
  }
  await rememberConsent(d.paths.consentFile, key, ids)
  return ids
}
