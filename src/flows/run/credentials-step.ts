import type { Deps } from '../../deps.js'
import {
  authFileCredentials,
  injectedCredentials,
  type InjectedCredential,
} from '../../egress/credentials.js'
import { readTextIfExists } from '../../host/local-files.js'
import { readSalt } from '../../secrets/salt.js'
import type { RunLookups } from './lookup.js'
import type { RunPlan } from './plan.js'

/** The secrets the gateway injects, and the auth.json the agent gets (with their placeholders). */
export interface RunCredentials {
  injected: InjectedCredential[]
  /** What is copied in as OpenCode's auth.json; undefined when it is not copied. */
  authCopy: string | undefined
}

/**
 * The secrets of this run the gateway injects (egress/credentials.ts): the known providers' keys
 * and marked secrets passed in, and the API keys in OpenCode's auth.json. None without a gateway
 * (--egress open: the agent then holds what it is given, as before). Their placeholders are derived
 * from the machine's salt, which the run's password made sure of.
 */
export async function credentialsFor(
  plan: RunPlan,
  found: Pick<RunLookups, 'authMtime'>,
  d: Pick<Deps, 'paths'>,
): Promise<RunCredentials> {
  const auth = found.authMtime === undefined ? undefined : readTextIfExists(d.paths.hostAuthFile)
  if (plan.egressMode === 'open') return { injected: [], authCopy: auth }
  const salt = (await readSalt(d.paths.saltFile)) ?? ''
  const passed = injectedCredentials({
    agent: plan.name,
    values: plan.secrets.values,
    marks: plan.secrets.marks,
    salt,
  })
  if (auth === undefined) return { injected: passed, authCopy: undefined }
  const fromAuth = authFileCredentials(auth, { agent: plan.name, salt })
  return { injected: [...passed, ...fromAuth.credentials], authCopy: fromAuth.agentCopy }
}
