import type { Docker } from '../docker/index.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { isNameConflict, isPortConflict } from '../docker/container-client.js'
import { isNotFound } from '../docker/errors.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { isLoopbackPortFree } from '../host/ports.js'
import { Label, MANAGED_FILTER } from '../labels.js'
import { HealthTimeout, waitForHealthy, type Health, type WaitOptions } from '../opencode/health.js'
import { lastLine } from '../text.js'
import { runSpec } from './docker-run-args.js'
import { candidatePorts } from './ports.js'
import { ContainerPath, type ContainerRequest } from './request.js'
import { portFromLabels, serverUrl } from './server.js'

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/
// Concurrent runs race for the same lowest port: each loser moves on to the next one.
const MAX_CREATE_ATTEMPTS = 32

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

export interface Secrets {
  password: string
  values: Record<string, string>
}

/** The host port a caiged container's server is published on, from its labels. */
export function portOf(container: ContainerInspect): number | undefined {
  return portFromLabels(container.Config.Labels)
}

/** Container lifecycle for caiged: identity by labels, ports on loopback, sessions in volumes. */
export class ContainerService {
  private readonly portLooksFree: (port: number) => Promise<boolean>
  private readonly waitForServer: typeof waitForHealthy
  private readonly clock: WaitOptions['clock']

  constructor(
    private readonly docker: Docker,
    seams: {
      /** Whether a loopback port looks free (a probe: docker can still find it taken, and is retried). */
      portLooksFree?: (port: number) => Promise<boolean>
      /** The authenticated health poll of a server. */
      waitForServer?: typeof waitForHealthy
      clock?: WaitOptions['clock']
    } = {},
  ) {
    this.clock = seams.clock
    this.portLooksFree = seams.portLooksFree ?? isLoopbackPortFree
    this.waitForServer = seams.waitForServer ?? waitForHealthy
  }

  /** A caiged container by name; an unrelated container of that name is refused, never touched. */
  async find(name: string): Promise<ContainerInspect | undefined> {
    if (!CONTAINER_NAME.test(name)) throw usageError(`"${name}" is not a valid container name.`)
    const container = await this.docker.containers.inspect(name)
    if (container && container.Config.Labels[Label.managed] !== 'true') {
      throw new CaigedError(`The container "${name}" was not made by caiged; caiged leaves it alone.`, {
        exitCode: ExitCode.Usage,
        hint: 'caiged containers list shows the containers caiged manages.',
      })
    }
    return container
  }

  async get(name: string): Promise<ContainerInspect> {
    const container = await this.find(name)
    if (!container) {
      throw new CaigedError(`There is no caiged container named "${name}".`, {
        exitCode: ExitCode.NotFound,
        hint: 'caiged containers list shows them all.',
      })
    }
    return container
  }

  /** Starts a stopped container on the port it was made with (by id: the one that was looked at). */
  async start(container: ContainerInspect): Promise<void> {
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
    const all = await this.docker.containers.list({ all: true, labels: MANAGED_FILTER })
    const taken = all
      .filter((c) => c.Names !== request.name)
      .map((c) => portFromLabels(c.labelMap))
      .filter((p): p is number => p !== undefined)
    if (request.network.own) await this.ensureOwnNetwork(request.network.name, request.name)
    const candidates = candidatePorts(taken)
    if (preferredPort && candidates.includes(preferredPort)) candidates.unshift(preferredPort)
    let attempts = 0
    for (const port of candidates) {
      if (!(await this.portLooksFree(port))) continue
      const spec = runSpec({ ...request, hostPort: port }, secrets)
      const created = await this.docker.containers.create(spec.args, spec.env)
      if ('failure' in created) {
        if (isNameConflict(created.failure.stderr)) throw new NameTakenError(request.name)
        throw new CaigedError(`docker create failed for ${request.name}: ${lastLine(created.failure.stderr)}`)
      }
      const started = await this.docker.containers.start(created.id)
      if (started.exitCode === 0) return port
      // Ours, made a moment ago: removed by its id, so nothing half-made remains.
      await this.docker.containers.remove(created.id, { force: true }).catch(() => undefined)
      if (!isPortConflict(started.stderr) || ++attempts >= MAX_CREATE_ATTEMPTS) {
        throw new CaigedError(`docker start failed for ${request.name}: ${lastLine(started.stderr)}`)
      }
    }
    throw new CaigedError('No free port in 4096-5095 on 127.0.0.1.', {
      hint: 'Remove containers you no longer need: caiged containers list, then caiged containers rm NAME.',
    })
  }

  /**
   * The container's own network: made here, or made by another run for this container. A network
   * of that name that someone else made is never joined: it may hold containers the agent must not reach.
   */
  private async ensureOwnNetwork(network: string, container: string): Promise<void> {
    const labels = { [Label.managed]: 'true', [Label.container]: container }
    if ((await this.docker.networks.ensure(network, labels)) === 'created') return
    const found = await this.docker.networks.labels(network)
    if (found?.[Label.managed] === 'true' && found[Label.container] === container) return
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

  /** Waits for the authenticated health endpoint; a timeout shows the server's last log lines. */
  async waitHealthy(name: string, port: number, password: string, timeoutMs = 60_000): Promise<Health> {
    try {
      return await this.waitForServer(serverUrl(port), password, {
        timeoutMs,
        clock: this.clock,
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
