import { runProcess } from '../process/spawn.js'

export interface GitIdentity {
  name: string
  email: string
}

/**
 * The identity the user commits with in this project: user.name/user.email as git resolves them
 * there (global, includeIf and the repository's own), in one git process. Nothing else of the
 * host's git config is read or copied.
 */
/** The argv of hostGitIdentity's git (the hot path starts it ahead, so it must be the same). */
export const gitIdentityArgs = (workdir: string): string[] => [
  '-C',
  workdir,
  'config',
  '--get-regexp',
  '^user\\.(name|email)$',
]

export async function hostGitIdentity(workdir: string): Promise<Partial<GitIdentity>> {
  const result = await runProcess('git', gitIdentityArgs(workdir))
  const identity: Partial<GitIdentity> = {}
  for (const line of result.exitCode === 0 ? result.stdout.split('\n') : []) {
    const match = /^user\.(name|email) (.+)$/.exec(line.trim())
    // The last value wins, as git's own lookup does.
    if (match) identity[match[1] as 'name' | 'email'] = (match[2] as string).trim()
  }
  return identity
}
