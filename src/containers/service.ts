import type { Docker } from '../docker/index.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { isNameConflict, isPortConflict } from '../docker/container-client.js'
import { isNotFound } from '../docker/errors.js'
import { gatewayName } from '../egress/names.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import type { PortInside } from '../docker/engine.js'
import { isLoopbackPortFree } from '../host/ports.js'
import { Label, MANAGED_FILTER } from '../labels.js'
import { HealthTimeout, waitForHealthy, type Health, type WaitOptions } from '../opencode/health.js'
import { lastLine } from '../text.js'
import { runSpec } from './docker-run-args.js'
import { GatewayNameTaken, Gateways } from './gateway.js'
import { candidatePorts } from './ports.js'
import { publishedFromLabel } from './publish.js'
import { ContainerPath, networkName, type ContainerRequest, type GatewayRequest } from './request.js'
import { portFromLabels, portInside, serverUrl } from './server.js'
import { Prefetched } from '../prefetched.js'

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/
// Concurrent runs race for the same lowest port: each loser moves on to the next one.
const MAX_CREATE_ATTEMPTS = 32
/** How long a run waits for the gateway of an agent another run is making: 100 polls of 100 ms. */
const GATEWAY_WAIT_POLLS = 100

export type ReconcileAction = 'reused' | 'started' | 'created' | 'recreated'

/**
 * Another process made a container of this name between this one's look and its create: it is
 * theirs, so it is never removed; the caller looks again and decides anew.
 */
export class NameTakenError extends CaigedError {
  constructor(readonly containerName: string) {
    super(`The container name ${containerName} was taken by another process meanwhile.`)
  }
}

/** The container went away (removed by another command) while this one was using it. */
export class ContainerGoneError extends CaigedError {
  constructor(readonly containerName: string) {
    super(`The container ${containerName} was removed by another command meanwhile.`, {
      exitCode: ExitCode.NotFound,
      hint: 'caiged containers list shows what there is now.',
    })
  }
}

/** What a create made before its container, to remove if the create fails. */
interface Made {
  networks: string[]
  volumes: string[]
}

export interface Secrets {
  password: string
  values: Record<string, string>
}

/** The gateway an agent gets when it must be made anew (on start or repair): what it enforces. */
export interface GatewayMaker {
  outward: string
  make(): Promise<GatewayRequest>
}

/** An agent's egress mode, from its labels: containers made before policies existed are open. */
export function egressModeOf(container: ContainerInspect): string {
  return container.Config.Labels[Label.egress] ?? 'open'
}

/** The host port a caiged container's server is published on, from its labels. */
export function portOf(container: ContainerInspect): number | undefined {
  return portFromLabels(container.Config.Labels)
}

/** Container lifecycle for caiged: identity by labels, ports on loopback, sessions in volumes. */
export class ContainerService {
  private readonly portLooksFree: (port: number) => Promise<boolean>
  private readonly waitForServer: typeof waitForHealthy
  private readonly clock: NonNullable<WaitOptions['clock']>
  private readonly prefetched: Prefetched
  private readonly reach: (port: number, inside?: PortInside) => Promise<number>
  readonly gateways: Gateways

  constructor(
    private readonly docker: Docker,
    seams: {
      /** The one clock of the command (Deps.clock): waits and polls go by it, and so do tests. */
      clock: NonNullable<WaitOptions['clock']>
      /** Whether a loopback port looks free (a probe: docker can still find it taken, and is retried). */
      portLooksFree?: (port: number) => Promise<boolean>
      /** The authenticated health poll of a server. */
      waitForServer?: typeof waitForHealthy
      /** What the hot path started ahead (the first look, the first health check), taken once. */
      prefetched?: Prefetched
      /** Where the engine's loopback port is reached on this machine's (Engine.reach): itself by default. */
      reach?: (port: number, inside?: PortInside) => Promise<number>
    },
  ) {
    this.reach = seams.reach ?? ((port) => Promise.resolve(port))
    this.prefetched = seams.prefetched ?? new Prefetched()
    this.clock = seams.clock
    this.portLooksFree = seams.portLooksFree ?? isLoopbackPortFree
    this.waitForServer = seams.waitForServer ?? waitForHealthy
    this.gateways = new Gateways(docker)
  }

  /**
   * An agent and its gateway in one docker process (the warm path's one call). Either may be
   * missing; neither is returned unless caiged made it as such.
   */
  async findWithGateway(
    name: string,
  ): Promise<{ agent: ContainerInspect | undefined; gateway: ContainerInspect | undefined }> {
    if (!CONTAINER_NAME.test(name)) throw usageError(`"${name}" is not a valid container name.`)
    const names = [name, gatewayName(name)]
    const ahead = this.prefetched.takeLookup(name)
    const found = ahead
      ? this.docker.containers.inspectManyFrom(names, await ahead)
      : await this.docker.containers.inspectMany(names)
    const agent = this.checkedAgent(
      name,
      found.find((c) => c.Name === name),
    )
    const gateway = this.gateways.checked(
      name,
      found.find((c) => c.Name === gatewayName(name)),
    )
    return { agent, gateway }
  }

  private checkedAgent(name: string, container: ContainerInspect | undefined): ContainerInspect | undefined {
    if (container && container.Config.Labels[Label.managed] !== 'true') {
      throw new CaigedError(`The container "${name}" was not made by caiged; caiged leaves it alone.`, {
        exitCode: ExitCode.Usage,
        hint: 'caiged containers list shows the containers caiged manages.',
      })
    }
    if (container && container.Config.Labels[Label.role] === 'egress') {
      throw new CaigedError(
        `${name} is the egress gateway of ${container.Config.Labels[Label.container] ?? 'an agent'}; it comes and goes with its agent.`,
        { exitCode: ExitCode.Usage, hint: 'Name the agent instead (caiged containers list shows them).' },
      )
    }
    return container
  }

  /** A caiged container by name; an unrelated container of that name is refused, never touched. */
  async find(name: string): Promise<ContainerInspect | undefined> {
    if (!CONTAINER_NAME.test(name)) throw usageError(`"${name}" is not a valid container name.`)
    return this.checkedAgent(name, await this.docker.containers.inspect(name))
  }

  async get(name: string): Promise<ContainerInspect> {
    const container = await this.find(name)
    if (!container) throw noSuchContainer(name)
    return container
  }

  /**
   * Starts a stopped container on the port it was made with (by id: the one that was looked at),
   * its gateway first when it has an egress policy.
   */
  async start(container: ContainerInspect, gateway?: GatewayMaker): Promise<void> {
    if (egressModeOf(container) !== 'open') await this.ensureGateway(container, gateway)
    const result = await this.docker.containers.start(container.Id)
    if (result.exitCode === 0) return
    if (isNotFound(result.stderr)) throw new ContainerGoneError(container.Name)
    const port = portOf(container)
    if (isPortConflict(result.stderr)) {
      throw new CaigedError(
        `Cannot start ${container.Name}: its port 127.0.0.1:${port} is taken by another process.`,
        {
          hint: 'Free that port, or run again with --recreate to move the container to a free port (sessions are kept).',
        },
      )
    }
    throw new CaigedError(`Cannot start ${container.Name}: ${lastLine(result.stderr)}`)
  }

  private sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms)
  }

  /**
   * Makes sure an agent's gateway runs: started when stopped, made anew (on the agent's port) when
   * gone and the caller can say what it enforces. Says what it did.
   */
  async ensureGateway(
    agent: ContainerInspect,
    maker: GatewayMaker | undefined,
    known?: ContainerInspect | null,
  ): Promise<'running' | 'started' | 'created'> {
    let gateway = known === undefined ? await this.gateways.find(agent.Name) : (known ?? undefined)
    // An agent never started is being made by another run, its gateway with it: wait for that.
    for (
      let i = 0;
      agent.State.Status === 'created' && !gateway?.State.Running && i < GATEWAY_WAIT_POLLS;
      i++
    ) {
      await this.sleep(100)
      gateway = await this.gateways.find(agent.Name)
    }
    if (gateway?.State.Running) return 'running'
    if (gateway) {
      try {
        await this.gateways.start(gateway, agent.Name)
      } catch (error) {
        // Started (or replaced) by another run meanwhile is as good.
        if ((await this.gateways.find(agent.Name))?.State.Running) return 'running'
        throw error
      }
      return 'started'
    }
    const port = portOf(agent)
    if (!maker || port === undefined) {
      throw new CaigedError(`The egress gateway of ${agent.Name} is gone, so the agent has no way out.`, {
        hint: `${'caiged run'} for its project makes it anew (caiged containers list shows the project).`,
      })
    }
    const made = await this.gateways.create({
      ...(await maker.make()),
      agent: agent.Name,
      outward: maker.outward,
      agentNetwork: networkName(agent.Name),
      hostPort: port,
      publish: publishedFromLabel(agent.Config.Labels[Label.publish]),
    })
    if (made === 'port-taken') {
      throw new CaigedError(
        `Cannot restore the gateway of ${agent.Name}: its port 127.0.0.1:${port} is taken.`,
        {
          hint: 'Free that port, or run again with --recreate to move the container to a free port (sessions are kept).',
        },
      )
    }
    return 'created'
  }

  /**
   * Creates and starts a container, on a loopback port no other caiged container holds (running or
   * stopped) and nothing listens on; a port docker still finds taken is retried with the next one.
   * A failed attempt removes only the container it created, by id. A name another process took
   * first is a NameTakenError: that container is theirs.
   */
  async create(
    request: Omit<ContainerRequest, 'hostPort'>,
    secrets: Secrets,
    preferredPort?: number,
  ): Promise<number> {
    // A dev-server port taken on the host is said, never moved elsewhere behind the user's back.
    for (const p of request.publish) {
      if (!(await this.portLooksFree(p.host))) {
        throw new CaigedError(
          `Cannot publish port ${p.container} on 127.0.0.1:${p.host}: that port is taken on this machine.`,
          {
            exitCode: ExitCode.Usage,
            hint: `Free it, or publish it elsewhere: --publish ${p.container}:OTHER_PORT.`,
          },
        )
      }
    }
    const gated = request.egress.mode !== 'open'
    if (gated && !request.gateway) throw new Error('an agent with an egress policy needs its gateway')
    const made = await this.prepare(request, gated)
    try {
      return await this.createOnFreePort(request, secrets, preferredPort)
    } catch (error) {
      // Lost the name to another run: what there is belongs to that run now.
      if (!(error instanceof NameTakenError)) await this.removeMade(made)
      throw error
    }
  }

  /**
   * The networks and volumes a new agent needs, and which of them this call made: a create that
   * fails removes those (and only those), so a failed run leaves nothing behind.
   */
  private async prepare(request: Omit<ContainerRequest, 'hostPort'>, gated: boolean): Promise<Made> {
    const volumes = [request.volume, request.toolsVolume]
    const present = await Promise.all(volumes.map((v) => this.docker.volumes.exists(v)))
    const made: Made = { networks: [], volumes: volumes.filter((_, i) => !present[i]) }
    if (request.network.own && (await this.ensureOwnNetwork(request.network.name, request.name, gated)))
      made.networks.push(request.network.name)
    // The outward network is every gateway's: made when absent, never removed with one agent (but
    // for a run that made it and failed: unused then, it goes, and a network in use stays).
    if (request.egress.mode !== 'open' && (await this.ensureOutwardNetwork(request.egress.outward)))
      made.networks.push(request.egress.outward)
    return made
  }

  /** Best effort: a network or volume another container took meanwhile is in use and stays. */
  private async removeMade(made: Made): Promise<void> {
    for (const network of made.networks) await this.docker.networks.remove(network).catch(() => false)
    for (const volume of made.volumes) await this.docker.volumes.remove(volume).catch(() => false)
  }

  private async createOnFreePort(
    request: Omit<ContainerRequest, 'hostPort'>,
    secrets: Secrets,
    preferredPort: number | undefined,
  ): Promise<number> {
    const all = await this.docker.containers.list({ all: true, labels: MANAGED_FILTER })
    const taken = all
      .filter((c) => c.Names !== request.name)
      .map((c) => portFromLabels(c.labelMap))
      .filter((p): p is number => p !== undefined)
    const candidates = candidatePorts(taken)
    if (preferredPort && candidates.includes(preferredPort)) candidates.unshift(preferredPort)
    let attempts = 0
    for (const port of candidates) {
      if (!(await this.portLooksFree(port))) continue
      // The agent is created first: its name is the lock two runs of one project race for.
      const spec = runSpec({ ...request, hostPort: port }, secrets)
      const created = await this.docker.containers.create(spec.args, spec.env)
      if ('failure' in created) {
        if (isNameConflict(created.failure.stderr)) throw new NameTakenError(request.name)
        throw new CaigedError(`docker create failed for ${request.name}: ${lastLine(created.failure.stderr)}`)
      }
      // Ours, made a moment ago: removed by id on failure, so nothing half-made remains.
      const undo = async (...ids: (string | undefined)[]) => {
        for (const id of ids) if (id) await this.docker.containers.removeIfPresent(id).catch(() => undefined)
      }
      // An engine elsewhere: the files a bind would have given, copied in before it starts.
      if (spec.copies.length && request.hostFilesCopied) {
        const { copyHostFilesIn } = await import('./host-files.js')
        await copyHostFilesIn(this.docker.containers, created.id, spec.copies, request.hostFilesCopied).catch(
          async (error: unknown) => {
            await undo(created.id)
            throw error
          },
        )
      }
      // Then its gateway, which holds the port; started before the agent, whose first request
      // finds its proxy up.
      let gatewayId: string | undefined
      if (request.gateway && request.egress.mode !== 'open') {
        const made = await this.createGateway(request, request.egress.outward, port).catch(async (error) => {
          await undo(created.id)
          throw error
        })
        if (made === 'port-taken') {
          await undo(created.id)
          if (++attempts >= MAX_CREATE_ATTEMPTS) throw new CaigedError(`No free port for ${request.name}.`)
          continue
        }
        gatewayId = made.id
      }
      const started = await this.docker.containers.start(created.id)
      if (started.exitCode === 0) return port
      await undo(created.id, gatewayId)
      if (!isPortConflict(started.stderr) || ++attempts >= MAX_CREATE_ATTEMPTS) {
        throw new CaigedError(`docker start failed for ${request.name}: ${lastLine(started.stderr)}`)
      }
    }
    throw new CaigedError('No free port in 4096-5095 on 127.0.0.1.', {
      hint: 'Remove containers you no longer need: caiged containers list, then caiged containers rm NAME.',
    })
  }

  /**
   * The gateway of an agent this run has just created. This run holds the agent's name, so a
   * gateway of that name is a leftover (of a run that died, or of an agent removed by hand): it is
   * removed, by id, and made anew.
   */
  private async createGateway(
    request: Omit<ContainerRequest, 'hostPort'>,
    outward: string,
    port: number,
  ): Promise<{ id: string } | 'port-taken'> {
    const spec = {
      ...(request.gateway as GatewayRequest),
      agent: request.name,
      outward,
      agentNetwork: request.network.name,
      hostPort: port,
      publish: request.publish,
    }
    try {
      return await this.gateways.create(spec)
    } catch (error) {
      if (!(error instanceof GatewayNameTaken)) throw error
      const leftover = await this.gateways.find(request.name)
      if (leftover) await this.docker.containers.removeIfPresent(leftover.Id)
      return this.gateways.create(spec)
    }
  }

  /** The user-defined network gateways go out through: made (labelled) when absent, else used as it is. */
  /** True when made here. */
  private async ensureOutwardNetwork(network: string): Promise<boolean> {
    const made = await this.docker.networks.ensure(network, {
      [Label.managed]: 'true',
      [Label.role]: 'egress',
    })
    return made === 'created'
  }

  /**
   * The container's own network: made here, or made by another run for this container. A network
   * of that name that someone else made is never joined: it may hold containers the agent must not
   * reach. An agent with an egress policy gets an internal one (no route out, no outside DNS); when
   * the policy was switched on or off, caiged's own network is made anew (nothing uses it then).
   * True when made here.
   */
  private async ensureOwnNetwork(network: string, container: string, internal: boolean): Promise<boolean> {
    const labels = { [Label.managed]: 'true', [Label.container]: container }
    if ((await this.docker.networks.ensure(network, labels, { internal })) === 'created') return true
    const found = await this.docker.networks.describe(network)
    if (found?.labels[Label.managed] === 'true' && found.labels[Label.container] === container) {
      if (found.internal === internal) return false
      if (!(await this.docker.networks.remove(network))) {
        throw new CaigedError(
          `The network ${network} of ${container} is still in use; it cannot be remade.`,
          {
            hint: `docker network inspect ${network} shows what uses it.`,
          },
        )
      }
      return this.ensureOwnNetwork(network, container, internal)
    }
    throw new CaigedError(
      `A network named ${network} exists, but caiged did not make it for ${container}; the agent is not put on it.`,
      {
        hint: `Remove or rename that network (docker network rm ${network}) if it is not in use, or give the project another name with --project NAME.`,
      },
    )
  }

  /** Removes a container but keeps its sessions volume, then creates it anew. */
  async recreate(
    existing: ContainerInspect,
    request: Omit<ContainerRequest, 'hostPort'>,
    secrets: Secrets,
  ): Promise<number> {
    // By id: if another process recreated it first, its new container is left alone.
    await this.docker.containers.removeIfPresent(existing.Id)
    // Its gateway holds its port: it goes too (made anew for the new settings, if they have a policy).
    if (egressModeOf(existing) !== 'open') await this.gateways.removeFor(existing.Name)
    return this.create(request, secrets, portOf(existing))
  }

  /**
   * Copies the host's OpenCode auth.json into the container's data volume, where OpenCode can
   * rewrite it when it refreshes a token (a read-only bind of the single file breaks that). A copy
   * the container refreshed since is kept: only a newer host file replaces it. Content goes through
   * stdin, never argv.
   */
  async copyAuth(name: string, content: string, hostMtimeSeconds: number): Promise<void> {
    const script = [
      'set -e',
      `f=${ContainerPath.auth}`,
      'if [ -e "$f" ] && [ "$(stat -c %Y "$f")" -ge "$CAIGED_AUTH_MTIME" ]; then cat >/dev/null; exit 0; fi',
      'umask 077',
      'cat > "$f.caiged-new"',
      'mv -f "$f.caiged-new" "$f"',
    ].join('\n')
    const result = await this.docker.containers.execWithInput(name, ['sh', '-c', script], content, {
      CAIGED_AUTH_MTIME: String(hostMtimeSeconds),
    })
    if (result.exitCode !== 0) {
      throw new CaigedError(`Could not copy the OpenCode auth.json into ${name}: ${lastLine(result.stderr)}`)
    }
  }

  /**
   * Waits for the authenticated health endpoint of the server published on the engine's `port`; a
   * timeout shows the server's last log lines.
   */
  async waitHealthy(name: string, port: number, password: string, timeoutMs = 60_000): Promise<Health> {
    try {
      const url = serverUrl(await this.reach(port, portInside(name)))
      return await this.waitForServer(url, password, {
        timeoutMs,
        clock: this.clock,
        firstAnswer: this.prefetched.takeHealth(url, password),
        giveUp: async () => {
          const now = await this.docker.containers.inspect(name)
          if (!now) return 'the container was removed by another command'
          return now.State.Running ? undefined : `the container stopped (exit code ${now.State.ExitCode})`
        },
      })
    } catch (error) {
      if (!(error instanceof HealthTimeout)) throw error
      const logs = await this.docker.containers.logsTail(name, 20).catch(() => '')
      const why =
        error.last.kind === 'unauthorized'
          ? 'it refuses the password (was the salt file changed? then recreate the container)'
          : error.reason
      throw new CaigedError(`The OpenCode server in ${name} is not ready: ${why}.`, {
        hint: logs ? `Its last log lines:\n${logs}` : `See: caiged containers logs ${name}`,
      })
    }
  }
}

export function noSuchContainer(name: string): CaigedError {
  return new CaigedError(`There is no caiged container named "${name}".`, {
    exitCode: ExitCode.NotFound,
    hint: 'caiged containers list shows them all.',
  })
}
