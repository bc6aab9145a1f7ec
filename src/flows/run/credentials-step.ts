import { hasConsent, rememberConsent } from '../../config/project.js'
import type { Deps } from '../../deps.js'
import { CaigedError } from '../../errors.js'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import {
  authFileCredentials,
  githubCredential,
  hostsYmlToken,
  injectedCredentials,
  type InjectedCredential,
} from '../../egress/credentials.js'
import {
  githubRepoOf,
  githubScopeFor,
  githubScopeRules,
  type GithubScope,
} from '../../egress/github-scope.js'
import { isDirectory, readTextIfExists } from '../../host/local-files.js'
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
  /** The GitHub CLI config the agent gets instead of yours: its token a placeholder (undefined: yours). */
  ghDir?: string
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
  found: Pick<RunLookups, 'authMtime' | 'hasGhDir'>,
  d: Pick<Deps, 'paths' | 'io' | 'hostGit'>,
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
  const github = await githubFor(plan, found, salt, d)
  if (github?.credential) passed.push(github.credential)
  const ghDir = github?.dir
  if (auth === undefined) return { injected: passed, authCopy: undefined, authInside: [], ghDir }
  const all = authFileCredentials(auth, { agent: plan.name, salt })
  const inside = all.inside.length ? await consentToSignIns(all.inside, plan.name, o.yes, d) : []
  // Made again only when the user kept some of it out.
  const fromAuth =
    inside.length === all.inside.length
      ? all
      : authFileCredentials(auth, { agent: plan.name, salt, keepInside: () => inside })
  return {
    injected: [...passed, ...fromAuth.credentials],
    authCopy: fromAuth.agentCopy,
    authInside: inside,
    ghDir,
  }
}

/**
 * The GitHub CLI's token, kept outside: for a read-only GitHub config (the default), the agent gets
 * a copy of it (in caiged's config, per agent, the user's alone) whose hosts.yml holds a placeholder
 * (none with github.scope none), and the gateway the token, narrowed to the project's repository
 * by github.scope. A writable config (--mount-gh-rw) is yours, token and all, as asked.
 */
async function githubFor(
  plan: RunPlan,
  found: Pick<RunLookups, 'hasGhDir'>,
  salt: string,
  d: Pick<Deps, 'paths' | 'hostGit'>,
): Promise<{ credential?: InjectedCredential; dir: string; scope: GithubScope } | undefined> {
  if (plan.settings.gh !== 'ro' || !found.hasGhDir) return undefined
  const hosts = readTextIfExists(path.join(d.paths.hostGhDir, 'hosts.yml'))
  if (hosts === undefined) return undefined
  const token = hostsYmlToken(hosts) ?? (await d.hostGit.ghKeyringToken())
  if (!token) return undefined
  const configured = plan.config.github?.scope
  const repo =
    configured === undefined || configured === 'project'
      ? githubRepoOf(await d.hostGit.originUrl(plan.workdir))
      : undefined
  const scope = githubScopeFor(configured, repo)
  const github = githubCredential(hosts, {
    agent: plan.name,
    salt,
    token,
    scope,
    scopeRules: githubScopeRules(repo),
  })
  // Readable by the agent whatever its uid (it holds no secret: the token is a placeholder here);
  // caiged's config folder above it is the user's alone.
  const dir = path.join(d.paths.configDir, 'gh', plan.name)
  if (!isDirectory(dir)) {
    await fs.mkdir(dir, { recursive: true })
    await fs.chmod(dir, 0o755)
  }
  const config = readTextIfExists(path.join(d.paths.hostGhDir, 'config.yml'))
  if (config !== undefined) await writeReadable(path.join(dir, 'config.yml'), config)
  await writeReadable(path.join(dir, 'hosts.yml'), github.agentHostsYml)
  return { credential: github.credential, dir, scope }
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

/** Written (and made readable) only when it differs: a warm run finds it as the last one left it. */
async function writeReadable(file: string, content: string): Promise<void> {
  if (readTextIfExists(file) === content) return
  await fs.writeFile(file, content)
  await fs.chmod(file, 0o644)
}
