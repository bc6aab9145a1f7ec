import type { Docker } from '../docker/index.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { isNameConflict, isPortConflict } from '../docker/container-client.js'
import { gatewayName, RELAY_PORT } from '../egress/names.js'
import { CaigedError, ExitCode } from '../errors.js'
import { Label } from '../labels.js'
import { lastLine } from '../text.js'
import { HARDENING } from './docker-run-args.js'
import type { PublishedPort } from './publish.js'
import type { GatewayCredentials } from './request.js'

/** A gateway to create: for one agent, on the outward network, publishing the agent's port. */
export interface GatewaySpec {
  agent: string
  image: string
  /** The user-defined network the gateway goes out through (config egress.network). */
  outward: string
  /** The agent's own internal network, which the gateway joins to serve it. */
  agentNetwork: string
  hostPort: number
  /** Dev-server ports of the agent the gateway publishes and relays too. */
  publish: PublishedPort[]
  /** The policy as squid configuration (egress/policy.ts squidRules) and its hash. */
  rules: string
  policyHash: string
  /** The credentials it injects (egress/credentials.ts), with the CA it intercepts their hosts with. */
  credentials?: GatewayCredentials
}

/** The gateway's name was taken by a gateway another run is making for the same agent. */
export class GatewayNameTaken extends CaigedError {
  constructor(readonly gateway: string) {
    super(`The gateway name ${gateway} was taken by another process meanwhile.`)
  }
}

/** argv after `docker create` (pure). The policy travels in the docker process's environment. */
export function gatewayCreateArgs(spec: GatewaySpec): { args: string[]; env: Record<string, string> } {
  const name = gatewayName(spec.agent)
  const labels = {
    [Label.managed]: 'true',
    [Label.role]: 'egress',
    [Label.container]: spec.agent,
    [Label.egressPolicy]: spec.policyHash,
    ...(spec.credentials ? { [Label.egressCredentials]: spec.credentials.hash } : {}),
  }
  const args = ['--name', name, '--hostname', name, '--network', spec.outward]
  for (const [key, value] of Object.entries(labels)) args.push('--label', `${key}=${value}`)
  args.push(
    ...HARDENING,
    // Published from the outward network: a container only on an internal network publishes nothing.
    '-p',
    `127.0.0.1:${spec.hostPort}:${RELAY_PORT}`,
    ...spec.publish.flatMap((p) => ['-p', `127.0.0.1:${p.host}:${p.container}`]),
    '-e',
    `CAIGED_AGENT=${spec.agent}`,
    '-e',
    `CAIGED_RELAY_PORTS=${spec.publish.map((p) => p.container).join(' ')}`,
    '-e',
    'CAIGED_EGRESS_RULES',
  )
  const env: Record<string, string> = { CAIGED_EGRESS_RULES: spec.rules }
  const credentials = spec.credentials
  if (credentials) {
    env.CAIGED_EGRESS_CREDENTIALS = credentials.rules
    env.CAIGED_EGRESS_CA = credentials.ca
    if (credentials.upstreamCa) env.CAIGED_EGRESS_UPSTREAM_CA = credentials.upstreamCa
    for (const name of Object.keys(env).filter((n) => n !== 'CAIGED_EGRESS_RULES')) args.push('-e', name)
  }
  args.push(spec.image)
  return { args, env }
}

/** Whether a container is the gateway caiged made for this agent. */
export function isGatewayOf(container: ContainerInspect, agent: string): boolean {
  const labels = container.Config.Labels
  return (
    labels[Label.role] === 'egress' && labels[Label.container] === agent && labels[Label.managed] === 'true'
  )
}

/**
 * The egress gateways of agents: one container each, made, started, stopped and removed by id
 * with its agent, and never one caiged did not make for that agent.
 */
export class Gateways {
  constructor(private readonly docker: Docker) {}

  /** An agent's gateway; a container of that name made for anything else is refused, untouched. */
  async find(agent: string): Promise<ContainerInspect | undefined> {
    return this.checked(agent, await this.docker.containers.inspect(gatewayName(agent)))
  }

  checked(agent: string, found: ContainerInspect | undefined): ContainerInspect | undefined {
    if (found && !isGatewayOf(found, agent)) {
      throw new CaigedError(
        `A container named ${gatewayName(agent)} exists, but caiged did not make it as the egress gateway of ${agent}; caiged leaves it alone.`,
        {
          exitCode: ExitCode.Usage,
          hint: `Remove or rename it (docker rm ${gatewayName(agent)}) if it is not in use, or give the project another name with --project NAME.`,
        },
      )
    }
    return found
  }

  /**
   * Creates and starts a gateway. 'port-taken' when docker finds the port taken (the caller moves
   * on to the next port); nothing half-made is left behind either way.
   */
  async create(spec: GatewaySpec): Promise<{ id: string } | 'port-taken'> {
    const { args, env } = gatewayCreateArgs(spec)
    const created = await this.docker.containers.create(args, env)
    if ('failure' in created) {
      if (isNameConflict(created.failure.stderr)) throw new GatewayNameTaken(gatewayName(spec.agent))
      throw new CaigedError(
        `docker create failed for the egress gateway of ${spec.agent}: ${lastLine(created.failure.stderr)}`,
      )
    }
    try {
      await this.docker.networks.connect(spec.agentNetwork, created.id)
      const started = await this.docker.containers.start(created.id)
      if (started.exitCode !== 0) {
        await this.docker.containers.removeIfPresent(created.id)
        if (isPortConflict(started.stderr)) return 'port-taken'
        throw new CaigedError(
          `docker start failed for the egress gateway of ${spec.agent}: ${lastLine(started.stderr)}`,
        )
      }
    } catch (error) {
      await this.docker.containers.removeIfPresent(created.id).catch(() => undefined)
      throw error
    }
    return { id: created.id }
  }

  /** Starts a stopped gateway (by id). */
  async start(gateway: ContainerInspect, agent: string): Promise<void> {
    const result = await this.docker.containers.start(gateway.Id)
    if (result.exitCode === 0) return
    throw new CaigedError(`Cannot start the egress gateway of ${agent}: ${lastLine(result.stderr)}`, {
      hint: `Run again with --recreate to make it anew (sessions are kept).`,
    })
  }

  /**
   * Loads a new policy (or the credentials it injects) into a running gateway: squid reconfigures,
   * open connections carry on. The content goes through stdin, never argv.
   */
  async apply(
    gateway: ContainerInspect,
    agent: string,
    rules: string,
    what: 'policy' | 'credentials' = 'policy',
  ): Promise<void> {
    const result = await this.docker.containers.execWithInput(
      gateway.Id,
      ['caiged-egress-apply', what],
      rules,
    )
    if (result.exitCode !== 0) {
      throw new CaigedError(
        `Could not load the egress policy into the gateway of ${agent}: ${lastLine(result.stderr)}`,
      )
    }
  }

  /** A new CA for the gateways of this machine, made by the gateway image's openssl (key, then cert). */
  async makeCa(image: string): Promise<string> {
    const result = await this.docker.containers.runOnce(image, 'caiged-egress-ca')
    if (result.exitCode !== 0)
      throw new CaigedError(`Could not make the gateways' CA: ${lastLine(result.stderr)}`)
    return result.stdout
  }

  /** Removes an agent's gateway (by id); false when there was none. */
  async removeFor(agent: string): Promise<boolean> {
    const gateway = await this.find(agent)
    return gateway ? this.docker.containers.removeIfPresent(gateway.Id) : false
  }

  async stopFor(agent: string): Promise<boolean> {
    const gateway = await this.find(agent)
    return gateway?.State.Running ? this.docker.containers.stop(gateway.Id, 3) : false
  }
}
