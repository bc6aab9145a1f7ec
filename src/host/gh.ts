import { runProcess } from '../process/spawn.js'

/**
 * The token the GitHub CLI uses for github.com when hosts.yml holds none (gh keeps it in the
 * system keyring), as `gh auth token` prints it: on its stdout, never in an argv. Undefined when gh
 * is not installed, not signed in, or takes longer than a keyring should (a locked one may wait).
 */
export async function ghKeyringToken(): Promise<string | undefined> {
  const result = await runProcess('gh', ['auth', 'token', '--hostname', 'github.com'], {
    env: { GH_PROMPT_DISABLED: '1' },
    signal: AbortSignal.timeout(5000),
  })
  const token = result.exitCode === 0 ? result.stdout.trim() : ''
  return /^[A-Za-z0-9_]+$/.test(token) ? token : undefined
}
