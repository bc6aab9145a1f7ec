import type { ContainerSettings } from '../../containers/request.js'
import type { Engine } from '../../docker/engine.js'
import { agentIds } from '../../images/assets.js'
import { usageError } from '../../errors.js'
import type { RunOptions } from './options.js'
import type { RunPlan } from './plan.js'

/**
 * What an engine on another machine changes in how the container is made: this machine's folder
 * can't be mounted there (a path of the same name there would silently be that machine's), so
 * the agent works on a copy; the few files it is given are copied in; what only exists here (the
 * docker socket, the ssh-agent's socket) is refused up front, before anything is built or made.
 * On this machine the settings are as they were.
 */
export async function settingsForEngine(
  settings: ContainerSettings,
  o: Pick<RunOptions, 'workspace'>,
  plan: Pick<RunPlan, 'config'>,
  d: { engine: Engine; hostIds: { uid: number; gid: number } },
): Promise<ContainerSettings> {
  if (await d.engine.onThisMachine()) return settings
  const engine = d.engine.label
  if ((o.workspace ?? plan.config.workspace) === 'bind') {
    throw usageError(
      `--workspace bind needs the engine on this machine; ${engine} runs elsewhere and can't see ${settings.workdir}.`,
      'Leave it out (caiged copies the project there: see caiged diff and caiged apply), or use a local engine.',
    )
  }
  if (settings.dockerSocket) {
    throw usageError(
      `The docker socket can't be given to an agent on ${engine}: it is this machine's.`,
      'Leave out --enable-docker-sock (or the project config dockerSocket), or use a local engine.',
    )
  }
  if (settings.ssh.agentSocket) {
    throw usageError(
      `The ssh-agent's socket can't be given to an agent on ${engine}: it is this machine's.`,
      'Give the agent a key of its own instead: --ssh-key PATH (it is copied in).',
    )
  }
  const { agentUid, agentGid } = agentIds(d.hostIds.uid, d.hostIds.gid)
  return { ...settings, workspace: 'copy', hostFilesCopied: { uid: agentUid, gid: agentGid } }
}
