import { DEFAULT_IDLE_STOP, parseIdleDuration } from '../containers/idle.js'
import type { UserConfig, WorkspaceMode } from './schema.js'

/** What `run` was told on its command line about how the container is made (undefined: not said). */
export interface RunSettingFlags {
  spin?: string
  secretEnv?: string[]
  gitIdentity?: 'host' | 'agent' | 'none'
  sshKey?: string
  sshAgent?: boolean
  /** --no-mount-opencode-auth gives false. */
  opencodeAuth?: boolean
  /** --mount-gh-rw gives rw, --no-mount-gh none. */
  gh?: 'ro' | 'rw' | 'none'
  /** --idle-stop DURATION. */
  idleStop?: string
  /** --workspace bind|copy. */
  workspace?: WorkspaceMode
}

export interface RunSettings {
  spin: string | undefined
  /** Names from config and flags together (flags add, never remove). */
  secretEnvNames: string[]
  gitIdentity: { mode: 'host' | 'agent' | 'none'; explicit: boolean }
  ssh: { kind: 'key'; key: string } | { kind: 'agent' } | { kind: 'none' }
  copyAuth: boolean
  gh: 'ro' | 'rw' | 'none'
  resources: NonNullable<UserConfig['resources']>
  /** Seconds without a client or a busy session before the agent stops itself; 0: never. */
  idleStopAfter: number
  /** The project bind-mounted (bind), or a copy of it in a volume of the agent's own (copy). */
  workspace: WorkspaceMode
}

/**
 * The one settings precedence: flag, then config, then the default. Pure, so every rule is a row
 * of a unit test. (An ssh key from config yields to --ssh-agent on the command line.)
 */
export function resolveRunSettings(flags: RunSettingFlags, config: UserConfig): RunSettings {
  const identity = flags.gitIdentity ?? config.git?.identity
  const sshKey = flags.sshKey ?? (flags.sshAgent ? undefined : config.git?.sshKey)
  return {
    spin: flags.spin ?? config.defaultSpin,
    secretEnvNames: [...(config.secretEnv ?? []), ...(flags.secretEnv ?? [])],
    gitIdentity: { mode: identity ?? 'host', explicit: identity !== undefined },
    ssh: sshKey ? { kind: 'key', key: sshKey } : flags.sshAgent ? { kind: 'agent' } : { kind: 'none' },
    copyAuth: (flags.opencodeAuth ?? true) && config.mounts?.opencodeAuth !== false,
    gh: flags.gh ?? config.mounts?.gh ?? 'ro',
    resources: config.resources ?? {},
    workspace: flags.workspace ?? config.workspace ?? 'bind',
    idleStopAfter:
      flags.idleStop !== undefined
        ? parseIdleDuration(flags.idleStop)
        : parseIdleDuration(config.idle?.stopAfter ?? DEFAULT_IDLE_STOP, 'idle.stopAfter'),
  }
}
