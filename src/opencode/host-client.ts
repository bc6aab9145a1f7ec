import { execa } from 'execa'
import { parseHostVersion } from './version.js'

/** The host's OpenCode client. */
export async function hostOpencodeVersion(): Promise<string | undefined> {
  const result = await execa('opencode', ['--version'], { reject: false, stdin: 'ignore', timeout: 20_000 })
  if (result.failed) return undefined
  return parseHostVersion(String(result.stdout))
}
