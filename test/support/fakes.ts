import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ContainerService } from '../../src/containers/service.js'
import type { Deps, HostOpencode, Io } from '../../src/deps.js'
import type { DockerExecOptions } from '../../src/docker/cli.js'
import type { Engine } from '../../src/docker/engine.js'
import { Docker, type DockerResult, type DockerRunner } from '../../src/docker/index.js'
import type { ContainerInspect } from '../../src/docker/schemas.js'
import type { RunOptions } from '../../src/flows/run-agent.js'
import type { waitForHealthy } from '../../src/opencode/health.js'
import type { PackageRegistry } from '../../src/opencode/npm-registry.js'
import { paths } from '../../src/paths.js'
import { Prefetched } from '../../src/prefetched.js'

type Reply = Partial<DockerResult> | ((args: readonly string[]) => Partial<DockerResult>)

interface Stub {
  pattern: RegExp
  reply: Reply
  /** How many calls it may answer (Infinity: any). */
  times: number
  used: number
}

/**
 * The docker seam for flow tests, in the GitHub CLI's `run.Stub()` style: each docker argv (joined
 * with spaces) must match a registered pattern, or the call fails the test; `unused()` lists the
 * stubs no call reached. Every argv is kept, so a test can say which docker calls a flow made.
 */
export class FakeDocker implements DockerRunner {
  readonly calls: string[] = []
  /** The environment each call gave docker (secret values and bake variables travel there). */
  readonly envs: Record<string, string>[] = []
  /** What each call gave docker on stdin ('' for none). */
  readonly inputs: string[] = []
  private readonly stubs: Stub[] = []

  on(pattern: RegExp, reply: Reply, times = Infinity): this {
    this.stubs.push({ pattern, reply, times, used: 0 })
    return this
  }

  async exec(args: readonly string[], options: DockerExecOptions = {}): Promise<DockerResult> {
    const line = args.join(' ')
    this.calls.push(line)
    this.envs.push(options.env ?? {})
    this.inputs.push(options.input ?? '')
    const stub = this.stubs.find((s) => s.used < s.times && s.pattern.test(line))
    if (!stub) throw new Error(`unexpected docker call: docker ${line}`)
    stub.used++
    const reply = typeof stub.reply === 'function' ? stub.reply(args) : stub.reply
    return { stdout: '', stderr: '', exitCode: 0, ...reply }
  }

  async run(args: readonly string[], options: DockerExecOptions = {}): Promise<string> {
    const result = await this.exec(args, options)
    if (result.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`)
    return result.stdout
  }

  unused(): string[] {
    return this.stubs.filter((s) => s.used === 0 && s.times !== Infinity).map((s) => String(s.pattern))
  }
}

export const notFound = (what = 'container'): Partial<DockerResult> => ({
  exitCode: 1,
  stderr: `Error response from daemon: No such ${what}: x`,
})

/** What `docker version --format json` answers (the engine's platform is asked on the slow path). */
export const DOCKER_VERSION: Partial<DockerResult> = {
  stdout: JSON.stringify({
    Client: { Version: '28', ApiVersion: '1.51' },
    Server: { Version: '28', ApiVersion: '1.51', Arch: 'amd64' },
  }),
}

/** `caiged run WORKDIR --spin dev --no-connect` as a flow test gives it, with no git identity. */
export function runOptions(workdir: string, more: Partial<RunOptions> = {}): RunOptions {
  return {
    workdir,
    spin: 'dev',
    gitIdentity: 'none',
    dockerSocket: false,
    yes: false,
    rebuildImages: false,
    recreate: false,
    connect: false,
    ...more,
  }
}

/** A `container inspect` answer for a caiged container. */
export function inspectJson(c: {
  id?: string
  name: string
  running: boolean
  image?: string
  labels: Record<string, string>
  /** How a stopped one ended (129: its idle watcher stopped it). */
  exitCode?: number
}): Partial<DockerResult> {
  const container: ContainerInspect = {
    Id: c.id ?? `id-${c.name}`,
    Name: `/${c.name}`,
    Created: '2026-12-01T00:00:00Z',
    Image: c.image ?? 'sha256:image',
    State: { Status: c.running ? 'running' : 'exited', Running: c.running, ExitCode: c.exitCode ?? 0 },
    Config: { Image: 'caiged:dev', Labels: c.labels, Env: [] },
    HostConfig: { PortBindings: {} },
    NetworkSettings: { Ports: {} },
    Mounts: [],
  }
  return { stdout: JSON.stringify([container]) }
}

/** The labels a `docker create` argv sets. */
export function labelsOf(createArgv: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const match of createArgv.matchAll(/--label (\S+?)=(\S*)/g))
    labels[match[1] as string] = match[2] as string
  return labels
}

export interface RecordedIo extends Io {
  logs: string[]
  /** What went to stderr as progress and notes. */
  notes: string[]
  warnings: string[]
  questions: string[]
}

export function recordingIo(answer: boolean | Error = true): RecordedIo {
  const io: RecordedIo = {
    logs: [],
    notes: [],
    warnings: [],
    questions: [],
    json: true,
    log: (m) => io.logs.push(m),
    warn: (m) => io.warnings.push(m),
    progress: (line) => io.notes.push(line),
    confirm: async (question) => {
      io.questions.push(question)
      if (answer instanceof Error) throw answer
      return answer
    },
  }
  return io
}

/** An engine on this machine: its files and loopback are this machine's. */
export const localEngine: Engine = {
  endpoint: { host: 'unix:///var/run/docker.sock' },
  label: 'unix:///var/run/docker.sock',
  onThisMachine: async () => true,
  reach: async (port) => port,
}

/** A Deps of fakes over a throwaway HOME: nothing of the real machine is read or written. */
export function testDeps(
  o: {
    docker?: FakeDocker
    io?: RecordedIo
    hostOpencode?: Partial<HostOpencode>
    /** The project's remote.origin.url on the host (none by default). */
    originUrl?: string
    /** The token `gh auth token` prints on the host (none by default). */
    ghKeyringToken?: string
    npm?: Partial<PackageRegistry>
    env?: Record<string, string>
    /** The server's health poll; by default healthy at once, OpenCode 1.18.33. */
    waitForServer?: typeof waitForHealthy
    /** A HOME to share with another testDeps (default: a new temporary one). */
    root?: string
    /** The engine (default: one on this machine, its ports reached as they are). */
    engine?: Engine
  } = {},
): Deps & { root: string; fake: FakeDocker; recorded: RecordedIo } {
  const root = o.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-unit-'))
  const env = { HOME: root, PATH: '/nonexistent', IMAGE_PREFIX: 'caiged', ...o.env }
  const fake = o.docker ?? new FakeDocker()
  const recorded = o.io ?? recordingIo()
  const unexpected = (what: string) => async () => {
    throw new Error(`unexpected ${what}`)
  }
  const docker = new Docker(fake)
  // One clock for the flow and its services: no real timer runs in a unit test.
  const clock = { now: () => Date.now(), sleep: async () => undefined }
  const prefetched = new Prefetched()
  return {
    root,
    fake,
    recorded,
    env,
    paths: paths(env),
    docker,
    engine: o.engine ?? localEngine,
    containers: new ContainerService(docker, {
      clock,
      prefetched,
      portLooksFree: async () => true,
      waitForServer: o.waitForServer ?? (async () => ({ healthy: true, version: '1.18.33' })),
    }),
    npm: {
      resolveVersion: unexpected('npm view'),
      integrity: unexpected('npm view'),
      pack: unexpected('npm pack'),
      ...o.npm,
    },
    hostOpencode: { version: async () => '1.18.33', attach: unexpected('attach'), ...o.hostOpencode },
    hostGit: {
      identity: async () => ({ name: 'Ada Lovelace', email: 'ada@example.invalid' }),
      originUrl: async () => o.originUrl,
      ghKeyringToken: async () => o.ghKeyringToken,
    },
    io: recorded,
    clock,
    prefetched,
    hostIds: { uid: 1000, gid: 1000 },
    caigedVersion: '0.1.0',
    config: async () => ({}),
  }
}
