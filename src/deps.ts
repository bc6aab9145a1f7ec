import type { UserConfig } from './config/schema.js'
import { loadUserConfig } from './config/store.js'
import { ContainerService } from './containers/service.js'
import { DockerEngine, type Engine } from './docker/engine.js'
import { connectEngine } from './docker/engine-connection.js'
import { dockerEndpoint } from './docker/endpoint.js'
import { Docker } from './docker/index.js'
import { ghKeyringToken } from './host/gh.js'
import { isLoopbackPortFree } from './host/ports.js'
import { hostGitFacts, type GitFacts } from './host/git.js'
import { attach, hostOpencodeVersion } from './opencode/host-client.js'
import { NpmRegistry, type PackageRegistry } from './opencode/npm-registry.js'
import { paths, type Paths } from './paths.js'
import { confirm } from './ui/prompt.js'
import { Prefetched } from './prefetched.js'

export type { PackageRegistry }

/** The host's OpenCode client: its version (cached per binary) and the TUI attach. */
export interface HostOpencode {
  version(): Promise<string | undefined>
  attach(url: string, options: { password: string; directory: string; session?: string }): Promise<number>
}

/** What a flow says and asks: the command's streams, or a test's recorder. */
export interface Io {
  log(message: string): void
  warn(message: string): void
  /** Build output, progress and notes: on stderr, so they never mix with stdout's data. */
  progress(line: string): void
  /** --json: stdout holds only the result, so live progress is silent. */
  json: boolean
  /** A yes/no question; with no terminal it fails with the flag that answers it. */
  confirm(question: string, flagThatAnswers: string): Promise<boolean>
  /** Set inside a task of an outer list: a flow's own task list tells its steps here, drawing nothing. */
  withinTask?: (line: string) => void
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

/**
 * Everything a flow needs from the world, passed in (the GitHub CLI's Factory). The getters are
 * lazy and memoised: a command pays only for what it touches, so `--version` and the warm `run`
 * do not get slower for it. Tests build one from fakes (test/support/fakes.ts).
 */
export interface Deps {
  readonly env: NodeJS.ProcessEnv
  readonly paths: Paths
  readonly docker: Docker
  /** The engine docker talks to: on this machine or another, and how its loopback is reached. */
  readonly engine: Engine
  /** Container lifecycle over `docker` (identity by labels, ports on loopback, health). */
  readonly containers: ContainerService
  readonly npm: PackageRegistry
  readonly hostOpencode: HostOpencode
  readonly hostGit: HostGit
  readonly io: Io
  readonly clock: Clock
  /** What the hot path started ahead of the flows, asked for by what it is (src/prefetched.ts). */
  readonly prefetched: Prefetched
  /** The host user's ids (files the agent writes in /workspace belong to them). */
  readonly hostIds: { uid: number; gid: number }
  /** caiged's own version (images built by another version are stale). */
  readonly caigedVersion: string
  /** The user's config.json, read once. */
  config(): Promise<UserConfig>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** The host's git, asked for the identity the user commits with in a project. */
export interface HostGit {
  identity(workdir: string): Promise<{ name?: string; email?: string }>
  /** remote.origin.url of the folder (undefined: none). */
  originUrl(workdir: string): Promise<string | undefined>
  /** The GitHub CLI's token from the system keyring (hosts.yml holds none then). */
  ghKeyringToken(): Promise<string | undefined>
}

/** The host's git, read once per folder in one process (the one started ahead when there is one). */
function hostGitOf(prefetched: Prefetched): HostGit {
  const read = new Map<string, Promise<GitFacts>>()
  const facts = (workdir: string) => {
    let known = read.get(workdir)
    if (!known) read.set(workdir, (known = hostGitFacts(workdir, prefetched.takeGitFacts(workdir))))
    return known
  }
  return {
    identity: async (workdir) => (await facts(workdir)).identity,
    originUrl: async (workdir) => (await facts(workdir)).originUrl,
    ghKeyringToken,
  }
}

/** A memoised thunk: built on first use, then the same value. */
function once<T>(make: () => T): () => T {
  let made = false
  let value: T
  return () => {
    if (!made) {
      value = make()
      made = true
    }
    return value
  }
}

export function defaultDeps(options: {
  caigedVersion: string
  io: Omit<Io, 'confirm'>
  env?: NodeJS.ProcessEnv
  /** What the hot path started ahead (cli/ahead.ts); nothing for oclif's commands. */
  prefetched?: Prefetched
}): Deps {
  const env = options.env ?? process.env
  // This process's docker children reach the engine as connectEngine settles (once: hot.ts may have).
  if (env === process.env) connectEngine(env)
  const prefetched = options.prefetched ?? new Prefetched()
  const docker = once(() => new Docker())
  const engine = once(
    () =>
      new DockerEngine(dockerEndpoint(env), {
        system: docker().system,
        cli: docker().cli,
        cacheDir: paths(env).cacheDir,
        env,
      }),
  )
  const containers = once(
    () =>
      new ContainerService(docker(), {
        clock: systemClock,
        prefetched,
        reach: (port, inside) => engine().reach(port, inside),
        portLooksFree: async (port) => !(await engine().onThisMachine()) || isLoopbackPortFree(port),
      }),
  )
  const npm = once(() => new NpmRegistry())
  const config = once(() => loadUserConfig(paths(env).configFile))
  const pathsOnce = once(() => paths(env))
  return {
    env,
    get paths() {
      return pathsOnce()
    },
    get docker() {
      return docker()
    },
    get engine() {
      return engine()
    },
    get containers() {
      return containers()
    },
    get npm() {
      return npm()
    },
    hostOpencode: { version: () => hostOpencodeVersion(env), attach },
    hostGit: hostGitOf(prefetched),
    io: { ...options.io, confirm },
    clock: systemClock,
    prefetched,
    hostIds: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
    caigedVersion: options.caigedVersion,
    config,
  }
}
