import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { UserConfig } from '../config/schema.js'
import type { ContainerSettings } from '../containers/request.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { hostGitIdentity } from './git.js'

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
  hostIdentity: (workdir: string) => Promise<{ name?: string; email?: string }> = hostGitIdentity,
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

/** A key file the agent may use: it must exist and be a file; it is mounted read-only. */
export async function checkSshKey(file: string): Promise<string> {
  const absolute = path.resolve(file)
  const stat = await fs.stat(absolute).catch(() => undefined)
  if (!stat) throw new CaigedError(`The ssh key ${absolute} does not exist.`, { exitCode: ExitCode.NotFound })
  if (!stat.isFile()) throw usageError(`The ssh key ${absolute} is not a file.`)
  return absolute
}

/** The host's ssh-agent socket, for --ssh-agent. */
export async function sshAgentSocket(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const socket = env.SSH_AUTH_SOCK
  const stat = socket ? await fs.stat(socket).catch(() => undefined) : undefined
  if (!socket || !stat?.isSocket()) {
    throw usageError(
      '--ssh-agent needs a running ssh-agent, but SSH_AUTH_SOCK is not set to a socket.',
      'Start one (eval "$(ssh-agent)"; ssh-add), or use --ssh-key PATH.',
    )
  }
  return socket
}
