import { localImage } from '../../bake/plan.js'
import { gitIdentityFor } from '../../config/git-identity.js'
import type { ContainerSettings } from '../../containers/request.js'
import type { Deps } from '../../deps.js'
import type { ContainerInspect } from '../../docker/schemas.js'
import { CancelledError } from '../../errors.js'
import { dockerSocket, fileMtimeSeconds } from '../../host/environment.js'
import { checkSshKey, sshAgentSocket } from '../../host/identity.js'
import { isDirectory } from '../../host/local-files.js'
import { checkClientSupported } from '../../opencode/dialect.js'
import { missingClientError } from '../../opencode/host-client.js'
import { sessionPassword } from '../../secrets/session.js'
import { spinContentHash } from '../../spins/content-hash.js'
import { findSpin, spinRoots } from '../../spins/discovery.js'
import { spinVariant, type SpinVariant } from '../../spins/variant.js'
import type { RunOptions } from './options.js'
import type { RunPlan } from './plan.js'

/** What a run finds on this machine and in the engine before it decides anything. */
export interface RunLookups {
  spin: { name: string; dir: string }
  /** The spin as this project builds it (its extra packages make a variant of its own). */
  variant: SpinVariant
  spinId: { name: string; hash: string }
  /** The local image of that spin. */
  localRef: string
  socket: ContainerSettings['dockerSocket']
  ssh: ContainerSettings['ssh']
  git: ContainerSettings['git']
  agent: ContainerInspect | undefined
  gateway: ContainerInspect | undefined
  hostVersion: string | undefined
  password: string
  /** The host's auth.json's mtime when it is copied in (undefined: not copied). */
  authMtime: number | undefined
  hasGhDir: boolean
}

/**
 * The second step: the spin, the host's resources the settings name (socket, ssh), the container
 * and its gateway, the host client, the git identity and the password. The independent lookups
 * run at once: on the warm path they are most of the time caiged takes.
 */
export async function lookUpRun(o: RunOptions, plan: RunPlan, d: Deps): Promise<RunLookups> {
  const { settings, projectConfig, name } = plan
  // Found, not parsed: an unchanged spin was validated when its image was built.
  const spin = await findSpin(settings.spin, spinRoots(plan.workdir, d.env))
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
  // The host's git identity is asked once the container inspect is back: on the warm path it then
  // runs beside the health check (cli/ahead.ts starts both), not against the inspect for the 2 cores.
  const lookedUp = d.containers.findWithGateway(name)
  const [hostVersion, found, identity, spinHash] = await Promise.all([
    d.hostOpencode.version(),
    lookedUp,
    lookedUp.then(() =>
      gitIdentityFor(
        settings.gitIdentity.mode,
        settings.gitIdentity.explicit,
        plan.workdir,
        spin.name,
        plan.config,
        d.hostGit.identity,
      ),
    ),
    spinContentHash(spin.dir),
  ])
  const variant = spinVariant({ name: spin.name, hash: spinHash }, projectConfig.packages)
  // A missing or unsupported client is said before any build, when a connect will follow.
  if (o.connect && !hostVersion) throw missingClientError()
  if (o.connect) checkClientSupported(hostVersion)
  const password = await sessionPassword(name, d.paths.saltFile, { mayCreateSalt: found.agent === undefined })
  if (identity.warning) d.io.warn(identity.warning)
  return {
    spin,
    variant,
    spinId: { name: spin.name, hash: variant.hash },
    localRef: localImage(plan.prefix, variant.tag),
    socket,
    ssh,
    git: identity.git,
    agent: found.agent,
    gateway: found.gateway,
    hostVersion,
    password,
    authMtime: settings.copyAuth ? await fileMtimeSeconds(d.paths.hostAuthFile) : undefined,
    hasGhDir: settings.gh !== 'none' && isDirectory(d.paths.hostGhDir),
  }
}
