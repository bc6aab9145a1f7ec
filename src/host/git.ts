import { runProcess } from '../process/spawn.js'

export interface GitIdentity {
  name: string
  email: string
}

/**
 * The identity the user commits with in this project: `git config user.name/user.email` as git
 * resolves them there (global, includeIf and the repository's own). Nothing else of the host's git
 * config is read or copied.
 */
export async function hostGitIdentity(workdir: string): Promise<Partial<GitIdentity>> {
  const get = async (key: string) => {
    const result = await runProcess('git', ['-C', workdir, 'config', '--get', key])
    const value = result.stdout.trim()
    return result.exitCode === 0 && value ? value : undefined
  }
  const [name, email] = await Promise.all([get('user.name'), get('user.email')])
  return { name, email }
}
