import { runProcess, type SpawnResult } from '../process/spawn.js'

export interface GitIdentity {
  name: string
  email: string
}

/** The argv of hostGitIdentity's git (the hot path starts the same one ahead). */
export const gitIdentityArgs = (workdir: string): string[] => [
  '-C',
  workdir,
  'config',
  '--get-regexp',
  '^user\\.(name|email)$',
]

/**
 * The identity the user commits with in this project: user.name/user.email as git resolves them
 * there (global, includeIf and the repository's own), in one git process (or the one started
 * ahead for this folder). Nothing else of the host's git config is read or copied.
 */
export async function hostGitIdentity(
  workdir: string,
  ahead?: Promise<SpawnResult>,
): Promise<Partial<GitIdentity>> {
  const result = await (ahead ?? runProcess('git', gitIdentityArgs(workdir)))
  const identity: Partial<GitIdentity> = {}
  for (const line of result.exitCode === 0 ? result.stdout.split('\n') : []) {
    const match = /^user\.(name|email) (.+)$/.exec(line.trim())
    // The last value wins, as git's own lookup does.
    if (match) identity[match[1] as 'name' | 'email'] = (match[2] as string).trim()
  }
  return identity
}
