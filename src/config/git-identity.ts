import type { ContainerSettings } from '../containers/request.js'
import { usageError } from '../errors.js'
import type { UserConfig } from './schema.js'

/** The agent's own identity when none is configured: clearly not a person. */
export function defaultAgentIdentity(spin: string) {
  return { name: `caiged agent (${spin})`, email: 'agent@caiged.invalid' }
}

/**
 * The git identity a container's commits carry, for --git-identity host|agent|none. When the host
 * has no identity and "host" was only the default, the agent's own identity is used instead (with
 * a warning); asked for explicitly, a missing host identity is an error.
 */
export async function gitIdentityFor(
  mode: 'host' | 'agent' | 'none',
  explicit: boolean,
  workdir: string,
  spin: string,
  config: UserConfig,
  hostIdentity: (workdir: string) => Promise<{ name?: string; email?: string }>,
): Promise<{ git: ContainerSettings['git']; warning?: string }> {
  if (mode === 'none') return { git: { mode } }
  const agent = { mode: 'agent' as const, ...(config.git?.agent ?? defaultAgentIdentity(spin)) }
  if (mode === 'agent') return { git: agent }
  const host = await hostIdentity(workdir)
  if (host.name && host.email) return { git: { mode, name: host.name, email: host.email } }
  if (explicit) {
    throw usageError(
      'Your git identity (user.name and user.email) is not set, so the agent’s commits could not carry it.',
      'Set it (git config --global user.name "…"; git config --global user.email …), or use --git-identity agent or none.',
    )
  }
  return {
    git: agent,
    warning: `No git user.name/user.email on this machine: the agent's commits will be by ${agent.name} <${agent.email}>.`,
  }
}
