import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { lazyOs } from '../builtins.js'
import { CaigedError, ExitCode } from '../errors.js'
import { runAtExit, runProcess, startBackground, type Background } from '../process/spawn.js'
import { startStdioRelay } from '../process/stdio-relay.js'
import type { DockerRunner } from './cli.js'
import { lastLine } from '../text.js'
import { engineLabel, isLocalSocket, sshTarget, type DockerEndpoint } from './endpoint.js'
import { findOnPath } from '../process/executables.js'
import { acceptsConnection } from '../loopback.js'
import type { SystemClient } from './system-client.js'

/**
 * The engine this invocation drives, and what differs when it is on another machine: whether its
 * containers can be given this machine's files, and how a port on its loopback is reached from
 * this machine's.
 */
export interface Engine {
  readonly endpoint: DockerEndpoint
  /** How users name it: the docker context, or the host. */
  readonly label: string
  /**
   * Whether the engine runs on this machine: a bind mount of a path here gives the container that
   * path, and a port it publishes on 127.0.0.1 is this machine's.
   */
  onThisMachine(): Promise<boolean>
  /**
   * A port on this machine's 127.0.0.1 that reaches `port` on the engine's 127.0.0.1: the same
   * port on a local engine; an ssh forward (ssh engines) or a relay through `docker exec` (tcp
   * engines, which need `inside`), started once and stopped with this process, otherwise.
   */
  reach(port: number, inside?: PortInside): Promise<number>
}

/**
 * Who publishes an agent's port, for an engine that can only be reached through docker itself:
 * its gateway (which relays it) when that runs, else the agent; and the port inside them.
 */
export interface PortInside {
  gateway: string
  agent: string
  port: number
}

/** Where an endpoint's engine runs, kept per endpoint: it does not change for one. */
interface EngineFacts {
  [host: string]: { onThisMachine: boolean; engineName: string }
}

export class DockerEngine implements Engine {
  readonly label: string
  private seen: Promise<boolean> | undefined
  private readonly forwards = new Map<number, Promise<number>>()

  constructor(
    readonly endpoint: DockerEndpoint,
    private readonly deps: {
      system: SystemClient
      cli: DockerRunner
      cacheDir: string
      env: NodeJS.ProcessEnv
    },
  ) {
    this.label = engineLabel(endpoint)
  }

  onThisMachine(): Promise<boolean> {
    this.seen ??= this.detectOnThisMachine()
    return this.seen
  }

  /**
   * A socket on this machine: yes (Docker Desktop's VM shares the user's folders). Another
   * transport (ssh://, tcp://) may still end on this machine (ssh://localhost): the engine's own
   * name (`docker info`) against this machine's hostname tells, and is kept per endpoint.
   */
  private async detectOnThisMachine(): Promise<boolean> {
    if (isLocalSocket(this.endpoint.host)) return true
    const file = path.join(this.deps.cacheDir, 'engines.json')
    const known = readFacts(file)
    const cached = known[this.endpoint.host]
    if (cached) return cached.onThisMachine
    const info = await this.deps.system.info()
    const engineName = info.Name ?? ''
    const onThisMachine = engineName !== '' && engineName === lazyOs().hostname()
    writeFacts(file, { ...known, [this.endpoint.host]: { onThisMachine, engineName } })
    return onThisMachine
  }

  reach(port: number, inside?: PortInside): Promise<number> {
    if (isLocalSocket(this.endpoint.host)) return Promise.resolve(port)
    let forward = this.forwards.get(port)
    if (!forward) {
      forward = this.onThisMachine().then((local) => (local ? port : this.forward(port, inside)))
      this.forwards.set(port, forward)
    }
    return forward
  }

  /**
   * ssh -L from a free port of this machine's loopback (the same number when free) to the
   * engine's; for another transport (tcp, with TLS or not), a relay whose connections each run
   * `docker exec -i` into the container that publishes the port: through docker's own connection.
   */
  private async forward(port: number, inside: PortInside | undefined): Promise<number> {
    const target = sshTarget(this.endpoint.host)
    if (!target) {
      if (inside) return this.relayThroughDocker(port, inside)
      throw new CaigedError(`caiged can't reach port ${port} of ${this.label} without knowing whose it is.`)
    }
    const local = await freeLoopbackPort(port)
    const spec = `127.0.0.1:${local}:127.0.0.1:${port}`
    const destination = [...(target.port ? ['-p', target.port] : []), '--', target.destination]
    // Through the connection docker's commands share (ssh-mux.ts): no handshake of its own, and it
    // lives while a connection through it is open; cancelled when this process exits.
    if (this.deps.env.CAIGED_ORIGINAL_PATH !== undefined) {
      const added = await runProcess('ssh', ['-O', 'forward', '-L', spec, ...destination])
      if (added.exitCode === 0) {
        runAtExit('ssh', ['-O', 'cancel', '-L', spec, ...destination])
        return local
      }
    }
    // Else the real ssh with a connection of its own: the forward lives exactly as long as this process.
    const original = this.deps.env.CAIGED_ORIGINAL_PATH ?? this.deps.env.PATH ?? ''
    const ssh = findOnPath('ssh', original) ?? 'ssh'
    const args = [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-o',
      'ServerAliveInterval=30',
      '-L',
      spec,
      ...destination,
    ]
    const child = startBackground(ssh, args)
    await waitListening(local, child, this.label)
    return local
  }

  private async relayThroughDocker(port: number, inside: PortInside): Promise<number> {
    const local = await freeLoopbackPort(port)
    // Asked once, on the first connection: the gateway runs for an agent with an egress policy.
    let command: Promise<string[]> | undefined
    const relay = await startStdioRelay(local, async () => {
      command ??= this.deps.cli
        .exec(['container', 'inspect', '--format', '{{.State.Running}}', inside.gateway])
        .then((r) => relayCommand(inside, r.exitCode === 0 && r.stdout.trim() === 'true'))
      return { program: 'docker', args: await command }
    })
    return relay.port
  }
}

/**
 * The command each relayed connection runs: socat in the gateway (its relay then connects to the
 * agent, so the agent's idle watcher counts it as a client), else nc in the agent to its own
 * address (not loopback, which the watcher leaves out as its own health checks). Both end on the
 * end of their input (nc -N), which is how a closed connection reaches them: docker does not stop
 * an exec'd process when its client goes, so one that outlived its connection would count as a
 * client forever.
 */
export function relayCommand(inside: PortInside, gatewayRunning: boolean): string[] {
  return gatewayRunning
    ? ['exec', '-i', inside.gateway, 'socat', '-', `TCP:127.0.0.1:${inside.port}`]
    : ['exec', '-i', inside.agent, 'sh', '-c', `exec nc -N "$(hostname -i | cut -d' ' -f1)" ${inside.port}`]
}

/** Resolves once 127.0.0.1:port accepts a connection; fails with ssh's words if ssh ends first. */
async function waitListening(port: number, child: Background, label: string): Promise<void> {
  let ended: { exitCode: number; stderr: string } | undefined
  void child.exited.then((e) => (ended = e))
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (ended) break
    if (await acceptsConnection(port)) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  child.stop()
  const said = ended
    ? lastLine(ended.stderr) || `ssh exited with code ${ended.exitCode}`
    : 'no answer in 20 s'
  throw new CaigedError(`Could not forward the agent's server port from ${label}: ${said}.`, {
    exitCode: ExitCode.Docker,
    hint: `Check that \`ssh\` reaches the engine's host on its own (docker uses the same): docker --context ${label} info`,
  })
}

/** `preferred` when nothing on this machine's loopback holds it, else one the kernel picks. */
export async function freeLoopbackPort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = net.createServer()
      server.once('error', () => resolve(undefined))
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        const address = server.address()
        const got = typeof address === 'object' && address ? address.port : undefined
        server.close(() => resolve(got))
      })
    })
  const port = (await tryListen(preferred)) ?? (await tryListen(0))
  if (port === undefined) throw new CaigedError('No free port on 127.0.0.1 for the forward.')
  return port
}

function readFacts(file: string): EngineFacts {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as EngineFacts
  } catch {
    return {}
  }
}

function writeFacts(file: string, facts: EngineFacts): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const temp = `${file}.${process.pid}`
    fs.writeFileSync(temp, `${JSON.stringify(facts, null, 2)}\n`)
    fs.renameSync(temp, file)
  } catch {
    // A cache: asked again next time.
  }
}
