import { execa, type Result } from 'execa'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const caigedBin = path.join(repoRoot, 'bin', 'run.cjs')

/** Runs the built caiged CLI as a user would; never rejects, so tests can assert on failures. */
export function caiged(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
): Promise<Result<{ reject: false }>> {
  return execa(process.execPath, [caigedBin, ...args], {
    reject: false,
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? repoRoot,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  }) as Promise<Result<{ reject: false }>>
}
