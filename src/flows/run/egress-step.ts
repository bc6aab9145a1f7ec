import { createHash } from 'node:crypto'
import type { GatewayCredentials, GatewayRequest } from '../../containers/request.js'
import { ContainerGoneError, type GatewayMaker } from '../../containers/service.js'
import type { Deps } from '../../deps.js'
import type { ContainerInspect } from '../../docker/schemas.js'
import { injectionRules, type InjectedCredential } from '../../egress/credentials.js'
import { ensureGatewayImage } from '../../egress/image.js'
import { gatewayName } from '../../egress/names.js'
import { policyHash, squidRules } from '../../egress/policy.js'
import { configuredProviders, outwardNetwork, policyFor } from '../../egress/resolve.js'
import { editsFile, loadEdits, saveEdits, type EgressEdits } from '../../egress/store.js'
import { usageError } from '../../errors.js'
import { readTextIfExists } from '../../host/local-files.js'
import { Label } from '../../labels.js'
import { loadOrMakeGatewayCa } from '../../secrets/gateway-ca.js'
import type { RunOptions } from './options.js'
import type { RunPlan } from './plan.js'

/**
 * The one owner of an agent's gateway during a run: what it enforces (from every source of the
 * policy), its image, and keeping it up with today's policy. An agent with `--egress open` has
 * none, and this step then does nothing.
 */
export class RunEgress {
  private constructor(
    private readonly plan: RunPlan,
    private readonly o: Pick<RunOptions, 'builder' | 'rebuildImages'>,
    private readonly d: Pick<Deps, 'docker' | 'containers' | 'io' | 'paths' | 'caigedVersion'>,
    /** The edits of `caiged egress allow/deny`, with this run's flags; undefined when open. */
    private readonly edits: EgressEdits | undefined,
    private readonly providers: string[],
    /** The secrets the gateway injects for the agent. */
    private readonly credentials: InjectedCredential[],
  ) {}

  /**
   * Reads what the policy is made of. This run's --allow-host/--deny-host replace the last run's
   * (kept with the edits, so egress allow/deny and upgrade keep them).
   */
  static async prepare(
    o: Pick<RunOptions, 'builder' | 'rebuildImages' | 'allowHost' | 'denyHost'>,
    plan: RunPlan,
    given: { copiesAuth: boolean; credentials?: InjectedCredential[] },
    d: Pick<Deps, 'docker' | 'containers' | 'io' | 'paths' | 'caigedVersion'>,
  ): Promise<RunEgress> {
    if (plan.egressMode === 'open') return new RunEgress(plan, o, d, undefined, [], [])
    const file = editsFile(d.paths.egressDir, plan.name)
    const edits = await loadEdits(file)
    const runFlags = { allow: o.allowHost ?? [], deny: o.denyHost ?? [] }
    if (JSON.stringify(edits.flags ?? { allow: [], deny: [] }) !== JSON.stringify(runFlags)) {
      edits.flags = runFlags
      await saveEdits(file, edits)
    }
    const providers = await configuredProviders(given.copiesAuth ? d.paths.hostAuthFile : undefined, [
      ...plan.secrets.names,
      ...plan.secrets.fromFile,
    ])
    return new RunEgress(plan, o, d, edits, providers, given.credentials ?? [])
  }

  get gated(): boolean {
    return this.edits !== undefined
  }

  private policyOf(spinLabels: Record<string, string>) {
    return policyFor({
      mode: this.plan.egressMode,
      providers: this.providers,
      spinLabels,
      config: this.plan.userConfig,
      project: this.plan.projectConfig,
      edits: this.edits ?? { allow: [], deny: [] },
    })
  }

  /** The gateway a new agent of this spin image gets: its image (built or pulled) and its policy. */
  readonly gatewayFor = async (
    spinLabels: Record<string, string>,
    onLine?: (line: string) => void,
  ): Promise<GatewayRequest> => {
    const policy = this.policyOf(spinLabels)
    if (policy.unknownProviders.length) {
      this.d.io.warn(
        `caiged knows no API host for the provider${policy.unknownProviders.length > 1 ? 's' : ''} ${policy.unknownProviders.join(', ')}: ` +
          'allow it with --allow-host HOST (or config egress.allow).',
      )
    }
    const { prefix, baseImage, registry, pull } = this.plan
    const rebuild = this.o.rebuildImages
    const gatewayImage = await ensureGatewayImage(
      this.d.docker,
      { imagePrefix: prefix, baseImage, caigedVersion: this.d.caigedVersion },
      { builder: this.o.builder, onLine, registry: rebuild ? undefined : registry, pull, rebuild },
    )
    return {
      image: gatewayImage.ref,
      rules: squidRules(policy),
      policyHash: policyHash(policy),
      credentials: await this.gatewayCredentials(gatewayImage.ref),
    }
  }

  /**
   * What the gateway needs to inject the credentials: their rules, the machine's CA (made by the
   * gateway image the first time) and the upstream CAs the config names. Undefined: none to inject.
   */
  private async gatewayCredentials(image: string): Promise<GatewayCredentials | undefined> {
    if (this.credentials.length === 0) return undefined
    const { paths, containers } = this.d
    const ca = await loadOrMakeGatewayCa(
      { pem: paths.gatewayCaFile, certificate: paths.gatewayCaCertFile },
      () => containers.gateways.makeCa(image),
    )
    const rules = injectionRules(this.credentials)
    return { rules, hash: credentialsHash(rules), ca: ca.pem, upstreamCa: this.upstreamCa() }
  }

  /** config egress.upstreamCA: a PEM file of CAs upstream servers may be signed by. */
  private upstreamCa(): string | undefined {
    const file = this.plan.config.egress?.upstreamCA
    if (!file) return undefined
    const text = readTextIfExists(file)
    if (text === undefined || !text.includes('-----BEGIN CERTIFICATE-----')) {
      throw usageError(
        `egress.upstreamCA names ${file}, which is not a PEM file of certificates.`,
        'Give the path of the CA certificates your upstream servers are signed by, or remove it: caiged config set egress.upstreamCA --unset.',
      )
    }
    return text
  }

  /** How a stopped agent's gateway is made anew when it is gone (undefined when open). */
  makerFor(agent: ContainerInspect): GatewayMaker | undefined {
    if (!this.gated) return undefined
    return { outward: outwardNetwork(this.plan.config), make: () => this.gatewayFor(agent.Config.Labels) }
  }

  /**
   * A running agent's gateway held to this run: one found down is brought back (fail closed
   * meanwhile: the agent had no way out) and said so; a policy that changed since (config, flags,
   * egress allow/deny) is loaded into the running gateway, without touching the agent.
   * `known`: what the first look found (null: looked, there is none); undefined: look again.
   */
  async hold(agent: ContainerInspect, known: ContainerInspect | null | undefined): Promise<void> {
    if (!this.gated) return
    const { name } = this.plan
    const service = this.d.containers
    const outcome = await service.ensureGateway(agent, this.makerFor(agent), known)
    if (outcome !== 'running') {
      this.d.io.warn(
        `The egress gateway of ${name} was ${outcome === 'created' ? 'gone' : 'stopped'}, so the agent had no way out; ` +
          `${outcome === 'created' ? 'made it anew' : 'started it again'}.`,
      )
    }
    const gateway = outcome === 'running' && known ? known : await service.gateways.find(name)
    if (!gateway) throw new ContainerGoneError(gatewayName(name))
    await this.holdCredentials(gateway)
    const policy = this.policyOf(agent.Config.Labels)
    const want = policyHash(policy)
    const edits = this.edits ?? { allow: [], deny: [] }
    const current =
      edits.applied?.gateway === gateway.Id ? edits.applied.hash : gateway.Config.Labels[Label.egressPolicy]
    if (current === want) return
    await service.gateways.apply(gateway, name, squidRules(policy))
    await saveEdits(editsFile(this.d.paths.egressDir, name), {
      ...edits,
      applied: { gateway: gateway.Id, hash: want },
    })
    this.d.io.progress(`Loaded the changed egress policy into the gateway of ${name}.`)
  }

  /**
   * A running gateway that injects credentials gets today's values (a key changed since is loaded
   * at once, without touching the agent). One made without them is the agent's settings drift:
   * the run recreates both.
   */
  private async holdCredentials(gateway: ContainerInspect): Promise<void> {
    const had = gateway.Config.Labels[Label.egressCredentials]
    if (this.credentials.length === 0 || had === undefined) return
    const rules = injectionRules(this.credentials)
    if (had === credentialsHash(rules)) return
    await this.d.containers.gateways.apply(gateway, this.plan.name, rules, 'credentials')
    this.d.io.progress(`Loaded the changed credentials into the gateway of ${this.plan.name}.`)
  }
}

/** A short value that changes whenever the credentials a gateway injects do (never the values). */
function credentialsHash(rules: string): string {
  return createHash('sha256').update(rules).digest('hex').slice(0, 16)
}
