import { localImage } from '../bake/plan.js'
import type { PullPolicy } from '../config/schema.js'
import {
  chooseImage,
  publishedFingerprint,
  publishedImageSettings,
  type ImageChoice,
  type ImageSource,
} from '../images/source.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../containers/naming.js'
import { decide, type Decision, type ExistingContainer } from '../containers/reconcile.js'
import { networkName, toolsVolumeName, volumeName, type ContainerSettings } from '../containers/request.js'
import { serverUrl } from '../containers/server.js'
import { ContainerGoneError, NameTakenError, portOf, type ReconcileAction } from '../containers/service.js'
import { resolveRunSettings, type RunSettingFlags } from '../containers/settings.js'
import { settingsRecord } from '../containers/settings-record.js'
import type { Deps } from '../deps.js'
import type { Applicable } from '../containers/converge.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError, CancelledError, ExitCode, usageError } from '../errors.js'
import { checkEnvFile, checkWorkdir, dockerSocket, fileMtimeSeconds, secretEnv } from '../host/environment.js'
import { checkSshKey, gitIdentityFor, sshAgentSocket } from '../host/identity.js'
import { isDirectory } from '../host/local-files.js'
import { checkMountScope } from '../host/mount-scope.js'
import { mergePublished } from '../containers/publish.js'
import {
  hasConsent,
  loadProjectConfig,
  rememberConsent,
  wideningAsks,
  withProjectConfig,
} from '../config/project.js'
import { gatewayName } from '../egress/gateway.js'
import { ensureGatewayImage } from '../egress/image.js'
import { policyHash, squidRules } from '../egress/policy.js'
import type { EgressMode } from '../egress/presets.js'
import {
  configuredProviders,
  egressModeFor,
  outwardNetwork,
  policyFor,
  type EgressFlags,
} from '../egress/resolve.js'
import { parseHostRule } from '../egress/rules.js'
import { editsFile, loadEdits, saveEdits } from '../egress/store.js'
import { baseImageFrom } from '../images/options.js'
import { imageInputs, opencodeVersionFor, spinFingerprint } from '../images/plan.js'
import { Label } from '../labels.js'
import { checkClientSupported } from '../opencode/dialect.js'
import { missingClientError } from '../opencode/host-client.js'
import { sessionPassword } from '../secrets/session.js'
import { spinContentHash } from '../spins/content-hash.js'
import { spinVariant } from '../spins/variant.js'
import { discardGetsAhead } from '../opencode/http.js'
import { findSpin, spinRoots } from '../spins/discovery.js'

export interface RunOptions extends RunSettingFlags, EgressFlags {
  /** The project folder as given (resolved against the current directory). */
  workdir: string
  project?: string
  dockerSocket: boolean
  yes: boolean
  secretEnvFile?: string
  rebuildImages: boolean
  recreate: boolean
  /** A TUI attaches afterwards: the host client must exist before anything is built. */
  connect: boolean
  opencodeVersion?: string
  baseImage?: string
  /** Where CI publishes images (flag); else CAIGED_IMAGE_REGISTRY, else config images.registry. */
  registry?: string
  pull?: PullPolicy
  /** The buildx builder a local build goes to. */
  builder?: string
  /** Mount a folder wider than a project (/, HOME, credentials) anyway: --allow-wide-mount. */
  allowWideMount?: boolean
  /** Join this existing network instead of a bridge of its own (opt-in, warned). */
  network?: string
  /** Dev-server ports to reach on 127.0.0.1: "PORT[:HOSTPORT]". */
  publish?: string[]
}

export interface RunImage {
  ref: string
  digest: string | undefined
  source: ImageSource
}

export interface RunResult {
  name: string
  spin: string
  project: string
  workdir: string
  url: string
  port: number
  action: ReconcileAction
  opencodeVersion: string
  image: RunImage
  /** The egress preset the agent runs under (open: no gateway). */
  egress: EgressMode
  /** For the attach and the banner; never part of --json output. */
  password: string
  hostVersion: string | undefined
}

/** A lost create race or a container removed meanwhile: look again, at most this often. */
const MAX_ROUNDS = 4
/** How long a name another process reserved may take to become a container: 100 polls of 100 ms. */
const NAME_WAIT_POLLS = 100

/**
 * `caiged run`: make sure the project's container runs an up-to-date image with the settings asked
 * for, and that its server answers. Everything the user gave is checked before anything is built
 * or created; a container this run did not make is never removed or replaced unasked.
 */
export async function runAgent(o: RunOptions, d: Deps): Promise<RunResult> {
  const userConfig = await d.config()
  const workdir = await checkWorkdir(o.workdir)
  // Nothing wider than a project: not the disk, the home folder, caiged's salt or credentials.
  checkMountScope(workdir, d.paths, o.allowWideMount ?? false)
  // The project's committed config, under the user's: what would widen the agent's reach is
  // allowed only with the user's say (asked once per project, or --yes).
  const projectFile = await loadProjectConfig(workdir)
  const projectConfig = projectFile?.config ?? {}
  const widening = wideningAsks(projectConfig)
  if (projectFile && widening.length) await consentToProject(projectFile.file, workdir, widening, o.yes, d)
  const config = withProjectConfig(userConfig, projectConfig)
  const settings = resolveRunSettings(o, config)
  if (!settings.spin) {
    throw usageError(
      'Missing --spin: which role should the agent have?',
      'Give --spin dev (caiged spins list), or set a default: caiged config set defaultSpin dev.',
    )
  }
  const egressMode = egressModeFor(o, config)
  // Rules from the command line are checked before anything is made.
  for (const rule of [...(o.allowHost ?? []), ...(o.denyHost ?? [])]) parseHostRule(rule)
  if (o.network && egressMode !== 'open') {
    throw usageError(
      `--network ${o.network} puts the agent on a network with a way out that its egress policy (${egressMode}) cannot hold.`,
      'Add --egress open to join that network knowingly, or leave out --network: the agent then reaches only what its policy allows.',
    )
  }
  const secrets = secretEnv(settings.secretEnvNames, d.env)
  const envFile = await checkEnvFile(o.secretEnvFile)
  const baseImage = baseImageFrom(o.baseImage, d.env)
  const { registry, pull } = publishedImageSettings(o, config, d.env)
  const prefix = imagePrefix(d.env)
  const project = o.project !== undefined ? slugify(o.project) : deriveProjectName(workdir)
  const name = containerName(settings.spin, project, prefix)
  // Found, not parsed: an unchanged spin was validated when its image was built.
  const spin = await findSpin(settings.spin, spinRoots(workdir, d.env))
  const socket = o.dockerSocket || projectConfig.dockerSocket ? await dockerSocket(d.env) : undefined
  if (socket && !o.yes && !projectConfig.dockerSocket) {
    const ok = await d.io.confirm(
      'WARNING: --enable-docker-sock gives the agent root-equivalent access to this machine (it can start ' +
        'containers that mount any file). Continue?',
      '--yes',
    )
    if (!ok) throw new CancelledError('the container was not started.')
  }
  const ssh =
    settings.ssh.kind === 'key'
      ? { key: await checkSshKey(settings.ssh.key) }
      : settings.ssh.kind === 'agent'
        ? { agentSocket: await sshAgentSocket(d.env) }
        : {}

  const service = d.containers
  // Independent lookups at once: on the warm path they are most of the time caiged takes. The
  // host's git identity is asked once the container inspect is back: on the warm path it then runs
  // beside the health check (cli/ahead.ts starts both), not against the inspect for the 2 cores.
  const lookedUp = service.findWithGateway(name)
  const [hostVersion, found, identity, spinHash] = await Promise.all([
    d.hostOpencode.version(),
    lookedUp,
    lookedUp.then(() =>
      gitIdentityFor(
        settings.gitIdentity.mode,
        settings.gitIdentity.explicit,
        workdir,
        spin.name,
        config,
        d.hostGit.identity,
      ),
    ),
    spinContentHash(spin.dir),
  ])
  let existing = found.agent
  // The project's extra packages make the spin a variant with an image (and tag) of its own.
  const variant = spinVariant({ name: spin.name, hash: spinHash }, projectConfig.packages)
  const spinId = { name: spin.name, hash: variant.hash }
  const image = localImage(prefix, variant.tag)
  // A missing or unsupported client is said before any build, when a connect will follow.
  if (o.connect && !hostVersion) throw missingClientError()
  if (o.connect) checkClientSupported(hostVersion)
  const password = await sessionPassword(name, d.paths.saltFile, { mayCreateSalt: existing === undefined })
  if (identity.warning) d.io.warn(identity.warning)

  const authFile = d.paths.hostAuthFile
  const authMtime = settings.copyAuth ? await fileMtimeSeconds(authFile) : undefined
  const ghDir = d.paths.hostGhDir
  const containerSettings: ContainerSettings = {
    name,
    spin: spin.name,
    project,
    workdir,
    volume: volumeName(name),
    toolsVolume: toolsVolumeName(name),
    gh: {
      mode: settings.gh,
      hostDir: settings.gh !== 'none' && isDirectory(ghDir) ? ghDir : undefined,
    },
    auth: authMtime === undefined ? 'none' : 'copy',
    dockerSocket: socket,
    secretEnvNames: secrets.names,
    secretEnvFile: envFile,
    git: identity.git,
    ssh,
    resources: settings.resources,
    network: o.network ? { name: o.network, own: false } : { name: networkName(name), own: true },
    egress: egressMode === 'open' ? { mode: 'open' } : { mode: egressMode, outward: outwardNetwork(config) },
    publish: mergePublished(o.publish, projectConfig.publish, userConfig.publish),
  }
  if (o.network) {
    d.io.warn(
      `The agent joins the network ${o.network}: it can reach every container on it (caiged gives each agent a network of its own otherwise).`,
    )
  }

  const { version } = await opencodeVersionFor(d, {
    flag: o.opencodeVersion,
    host: async () => hostVersion,
    // No flag, env or host client: keep the version the container or image has; the registry last.
    keep: async () =>
      existing?.Config.Labels[Label.opencodeVersion] ??
      (await d.docker.images.inspect(image))?.Config.Labels[Label.opencodeVersion],
  })
  const inputs = await imageInputs(d, {
    opencodeVersion: version,
    baseImage,
    imagePrefix: prefix,
    ...d.hostIds,
  })
  const fingerprints = [spinFingerprint(inputs, spinId)]
  if (registry) fingerprints.push(publishedFingerprint(inputs, spinId, registry))
  const want = { workdir, settings: settingsRecord(containerSettings), imageFingerprints: fingerprints }
  const flags = { recreate: o.recreate, yes: o.yes, rebuild: o.rebuildImages, refresh: pull === 'always' }
  const creds = { password, values: secrets.values }
  const result = (
    port: number,
    action: ReconcileAction,
    serverVersion: string,
    used: RunImage,
  ): RunResult => ({
    name,
    spin: spin.name,
    project,
    workdir,
    url: serverUrl(port),
    port,
    action,
    opencodeVersion: serverVersion,
    image: used,
    egress: egressMode,
    password,
    hostVersion,
  })

  // The gateway's side: what it enforces (from every source of the policy) and its image.
  const edits = egressMode === 'open' ? undefined : await loadEdits(editsFile(d.paths.egressDir, name))
  // This run's --allow-host/--deny-host replace the last run's (kept, so egress allow/deny keep them).
  const runFlags = { allow: o.allowHost ?? [], deny: o.denyHost ?? [] }
  if (edits && JSON.stringify(edits.flags ?? { allow: [], deny: [] }) !== JSON.stringify(runFlags)) {
    edits.flags = runFlags
    await saveEdits(editsFile(d.paths.egressDir, name), edits)
  }
  const providers =
    egressMode === 'open'
      ? []
      : await configuredProviders(authMtime === undefined ? undefined : authFile, secrets.names)
  const policyOf = (spinLabels: Record<string, string>) =>
    policyFor({
      mode: egressMode,
      providers,
      spinLabels,
      config: userConfig,
      project: projectConfig,
      edits: edits ?? { allow: [], deny: [] },
    })
  const gatewayFor = async (spinLabels: Record<string, string>, onLine?: (line: string) => void) => {
    const policy = policyOf(spinLabels)
    if (policy.unknownProviders.length) {
      d.io.warn(
        `caiged knows no API host for the provider${policy.unknownProviders.length > 1 ? 's' : ''} ${policy.unknownProviders.join(', ')}: ` +
          'allow it with --allow-host HOST (or config egress.allow).',
      )
    }
    const gatewayImage = await ensureGatewayImage(
      d.docker,
      { imagePrefix: prefix, baseImage, caigedVersion: d.caigedVersion },
      {
        builder: o.builder,
        onLine,
        registry: o.rebuildImages ? undefined : registry,
        pull,
        rebuild: o.rebuildImages,
      },
    )
    return { image: gatewayImage.ref, rules: squidRules(policy), policyHash: policyHash(policy) }
  }
  const gatewayMaker = (c: ContainerInspect) =>
    egressMode === 'open'
      ? undefined
      : { outward: outwardNetwork(config), make: () => gatewayFor(c.Config.Labels) }

  /**
   * The warm path with a policy: a gateway found down is brought back (fail closed meanwhile: the
   * agent had no way out) and said so; a policy that changed since (config, flags, egress
   * allow/deny) is loaded into the running gateway, without touching the agent.
   */
  const holdGateway = async (agent: ContainerInspect, known: ContainerInspect | null | undefined) => {
    const maker = gatewayMaker(agent)
    // known: what the first look found (null: looked, there is none); undefined: look again.
    const outcome = await service.ensureGateway(agent, maker, known)
    if (outcome !== 'running') {
      d.io.warn(
        `The egress gateway of ${name} was ${outcome === 'created' ? 'gone' : 'stopped'}, so the agent had no way out; ` +
          `${outcome === 'created' ? 'made it anew' : 'started it again'}.`,
      )
    }
    const gateway = outcome === 'running' && known ? known : await service.gateways.find(name)
    if (!gateway) throw new ContainerGoneError(gatewayName(name))
    const policy = policyOf(agent.Config.Labels)
    const want = policyHash(policy)
    const current =
      edits?.applied?.gateway === gateway.Id ? edits.applied.hash : gateway.Config.Labels[Label.egressPolicy]
    if (current === want) return
    await service.gateways.apply(gateway, name, squidRules(policy))
    await saveEdits(editsFile(d.paths.egressDir, name), {
      ...(edits ?? { allow: [], deny: [] }),
      applied: { gateway: gateway.Id, hash: want },
    })
    d.io.progress(`Loaded the changed egress policy into the gateway of ${name}.`)
  }

  let choice: ImageChoice | undefined
  for (let round = 1; ; round++) {
    let decision: Decision = decide(asExisting(existing), want, undefined, flags)
    if (decision.action === 'inspect-image') {
      choice ??= await chooseImage(
        {
          spin: spinId,
          inputs,
          localRef: image,
          // --rebuild-images builds here, whatever is published.
          registry: o.rebuildImages ? undefined : registry,
          pull,
          platform: `linux/${(await d.docker.system.version()).Server.Arch ?? 'amd64'}`,
        },
        d,
      )
      decision = decide(asExisting(existing), want, choice, flags)
    }
    if (decision.action === 'inspect-image')
      throw new Error('the reconcile decision asked for the image twice')
    if (decision.action === 'refuse') throw nameTakenByOther(name, decision.owner, workdir)
    if (decision.needsConfirmation) await confirmRecreate(name, decision.drift, d)

    if (decision.action === 'reuse' && existing) {
      // The warm path: one docker process (the container inspect: its labels say its image is
      // current) and one health check.
      const port = portOf(existing) as number
      if (egressMode !== 'open') {
        await holdGateway(existing, round === 1 ? (found.gateway ?? null) : undefined)
      }
      const health = await service.waitHealthy(name, port, password, 30_000)
      return result(port, 'reused', health.version, imageOf(existing))
    }
    // Not the warm path: a health check started ahead (cli/ahead.ts) asked the container as it
    // was, which this run is about to start, create or replace.
    discardGetsAhead()
    const used: RunImage = choice
      ? { ref: choice.ref, digest: choice.digest, source: choice.source }
      : existing
        ? imageOf(existing)
        : { ref: image, digest: undefined, source: 'local' }
    const request = {
      ...containerSettings,
      image: used.ref,
      opencodeVersion: version,
      imageFingerprint: choice?.fingerprint ?? (fingerprints[0] as string),
      imageSource: used.source,
      imageDigest: used.digest,
    }
    try {
      const { applyDecision } = await import('../containers/converge.js')
      const applied = await applyDecision({
        deps: d,
        service,
        decision: decision as Applicable,
        existing,
        request,
        secrets: creds,
        build: {
          spinName: spin.name,
          workdir,
          inputs: choice?.onBase?.inputs ?? inputs,
          builder: o.builder,
          onBase: choice?.onBase?.ref,
          extraPackages: variant.extraPackages,
        },
        auth: authMtime === undefined ? undefined : { file: authFile, mtime: authMtime },
        gateway: egressMode === 'open' ? undefined : gatewayFor,
        gatewayMaker: existing ? gatewayMaker(existing) : undefined,
      })
      // A stopped agent's gateway was started as it was: it gets today's policy too.
      if (applied.action === 'started' && existing && egressMode !== 'open')
        await holdGateway(existing, undefined)
      return result(applied.port, applied.action, applied.serverVersion, used)
    } catch (error) {
      // Another run made (or removed) the container meanwhile: look again and decide anew.
      const raced = error instanceof NameTakenError || error instanceof ContainerGoneError
      if (!raced || round >= MAX_ROUNDS) throw error
      existing = await service.find(name)
      // docker reserves a name before the container it is creating can be inspected (the first
      // one from an image takes a while to prepare): wait for the other process's container.
      for (let i = 0; !existing && error instanceof NameTakenError && i < NAME_WAIT_POLLS; i++) {
        await d.clock.sleep(100)
        existing = await service.find(name)
      }
    }
  }
}

/**
 * A project config that widens the agent's reach (the socket, secrets, a writable GitHub config,
 * open egress) needs the user's say: asked once per project (or --yes), and asked again when the
 * file asks for more. With no terminal to ask on, nothing is made.
 */
async function consentToProject(
  file: string,
  workdir: string,
  asks: string[],
  yes: boolean,
  d: Deps,
): Promise<void> {
  if (await hasConsent(d.paths.consentFile, workdir, asks)) return
  let ok = yes
  if (!ok) {
    try {
      ok = await d.io.confirm(
        `${file} asks for ${asks.join('; ')}. Allow it for this project (remembered)?`,
        '--yes',
      )
    } catch (error) {
      if (!(error instanceof CaigedError)) throw error
      throw new CaigedError(`${file} asks for ${asks.join('; ')}, which caiged gives only with your say.`, {
        exitCode: ExitCode.Usage,
        hint: 'Run caiged run in a terminal once to answer (it is remembered for this project), or pass --yes.',
      })
    }
  }
  if (!ok)
    throw new CancelledError(`the project config's ${asks.join('; ')} was not allowed; nothing was made.`)
  await rememberConsent(d.paths.consentFile, workdir, asks)
}

/** The image a container runs, as its labels recorded it. */
function imageOf(c: ContainerInspect): RunImage {
  const source = c.Config.Labels[Label.imageSource]
  return {
    ref: c.Config.Image,
    digest: c.Config.Labels[Label.imageDigest],
    source: source === 'registry' || source === 'build' ? source : 'local',
  }
}

function asExisting(c: ContainerInspect | undefined): ExistingContainer | undefined {
  return c && { id: c.Id, running: c.State.Running, imageId: c.Image, labels: c.Config.Labels }
}

function nameTakenByOther(name: string, owner: string, workdir: string): CaigedError {
  return new CaigedError(
    `The container name ${name} belongs to the project at ${owner}, not to ${workdir}; caiged leaves it alone.`,
    {
      exitCode: ExitCode.Usage,
      hint:
        'Give this project a name of its own with --project NAME. If you moved the project, remove the old ' +
        `container first (caiged containers rm ${name}; its sessions volume is kept and reused).`,
    },
  )
}

/** Settings that differ from how the container was made are never silently ignored. */
async function confirmRecreate(name: string, drift: string[], d: Deps): Promise<void> {
  const list = drift.length ? drift.join('; ') : 'it records no port'
  let ok: boolean
  try {
    ok = await d.io.confirm(
      `${name} was made with other settings (${list}). Recreate it? Sessions are kept.`,
      '--recreate',
    )
  } catch (error) {
    if (!(error instanceof CaigedError)) throw error
    throw new CaigedError(`${name} was made with other settings: ${list}.`, {
      exitCode: error.exitCode,
      hint: 'Run again with --recreate to apply them (sessions are kept), or with the settings it was made with.',
    })
  }
  if (!ok) throw new CancelledError(`${name} keeps its settings (${list}).`)
}
