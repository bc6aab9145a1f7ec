import { execa } from 'execa'
import { CaigedError, ExitCode } from '../errors.js'
import { parseHostVersion } from './version.js'

const MISSING_HINT =
  'Install OpenCode on this machine (npm i -g opencode-ai@VERSION, or see https://opencode.ai), or use --no-connect.'

/** The host's OpenCode client version, or undefined when there is none on PATH. */
export async function hostOpencodeVersion(): Promise<string | undefined> {
  const result = await execa('opencode', ['--version'], { reject: false, stdin: 'ignore', timeout: 20_000 })
  if (result.failed) return undefined
  return parseHostVersion(String(result.stdout))
}

export function missingClientError(): CaigedError {
  return new CaigedError(
    'OpenCode is not installed on this machine: there is no `opencode` on PATH to attach with.',
    {
      exitCode: ExitCode.NotFound,
      hint: MISSING_HINT,
    },
  )
}

/**
 * Runs the host TUI attached to a server, with the terminal inherited. The password reaches it
 * through its environment (attach defaults --password to OPENCODE_SERVER_PASSWORD), never argv.
 * Returns the client's exit code.
 */
export async function attach(
  url: string,
  options: { password: string; directory: string; session?: string },
): Promise<number> {
  const args = ['attach', url, '--dir', options.directory]
  if (options.session) args.push('--session', options.session)
  const child = execa('opencode', args, {
    reject: false,
    stdio: 'inherit',
    env: { OPENCODE_SERVER_PASSWORD: options.password },
  })
  // The TUI handles Ctrl+C itself; caiged must not die of it while the client runs.
  const ignore = () => undefined
  process.on('SIGINT', ignore)
  try {
    const result = await child
    if ((result as { code?: string }).code === 'ENOENT') throw missingClientError()
    return result.exitCode ?? 1
  } finally {
    process.off('SIGINT', ignore)
  }
}
