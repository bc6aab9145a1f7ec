import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode, usageError } from '../errors.js'

/** A key file the agent may use: it must exist and be a file; it is mounted read-only. */
export async function checkSshKey(file: string): Promise<string> {
  const absolute = path.resolve(file)
  const stat = await fs.stat(absolute).catch(() => undefined)
  if (!stat) throw new CaigedError(`The ssh key ${absolute} does not exist.`, { exitCode: ExitCode.NotFound })
  if (!stat.isFile()) throw usageError(`The ssh key ${absolute} is not a file.`)
  return absolute
}

/** The host's ssh-agent socket, for --ssh-agent. */
export async function sshAgentSocket(env: NodeJS.ProcessEnv): Promise<string> {
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
