import { runProcess, type SpawnResult } from '../process/spawn.js'

export interface GitIdentity {
  name: string
  email: string
}

/** What a run reads of the host's git config for a folder. */
export interface GitFacts {
  identity: Partial<GitIdentity>
  /** remote.origin.url: where the project comes from (github.scope narrows the token to it). */
  originUrl?: string
}

/** The argv of hostGitFacts's git (the hot path starts the same one ahead). */
export const gitFactsArgs = (workdir: string): string[] => [
  '-C',
  workdir,
  'config',
  '--get-regexp',
  '^(user\\.(name|email)|remote\\.origin\\.url)$',
]

/**
 * The identity the user commits with in this project (user.name/user.email as git resolves them
 * there: global, includeIf and the repository's own) and its origin, in one git process (or the
 * one started ahead for this folder). Nothing else of the host's git config is read or copied.
 */
export async function hostGitFacts(workdir: string, ahead?: Promise<SpawnResult>): Promise<GitFacts> {
  const result = await (ahead ?? runProcess('git', gitFactsArgs(workdir)))
  const facts: GitFacts = { identity: {} }
  for (const line of result.exitCode === 0 ? result.stdout.split('\n') : []) {
    const match = /^(user\.name|user\.email|remote\.origin\.url) (.+)$/.exec(line.trim())
    if (!match) continue
    const value = (match[2] as string).trim()
    // The last value wins, as git's own lookup does.
    if (match[1] === 'remote.origin.url') facts.originUrl = value
    else facts.identity[match[1] === 'user.name' ? 'name' : 'email'] = value
  }
  return facts
}
