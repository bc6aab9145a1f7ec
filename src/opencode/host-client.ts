import fs, { promises as fsp } from 'node:fs'
import path from 'node:path'
import { findOnPath } from '../process/executables.js'
import { CaigedError, ExitCode } from '../errors.js'
import { cacheDir } from '../paths.js'
import { runProcess } from '../process/spawn.js'
import { OPENCODE_V1 } from './dialect.js'
import { parseHostVersion } from './version.js'

const MISSING_HINT =
  'Install OpenCode on this machine (npm i -g opencode-ai@VERSION, or see https://opencode.ai), or use --no-connect.'

/**
 * The host's OpenCode client version, or undefined when there is none on PATH. `opencode --version`
 * starts a 180 MB binary (about half a second), so the answer is cached per binary: its real path,
 * size and modification time. An upgraded client is a new key.
 */
export async function hostOpencodeVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const bin = findOnPath('opencode', env.PATH ?? '')
  if (!bin) return undefined
  const real = fs.realpathSync(bin)
  const stat = fs.statSync(real)
  const key = `${real}:${stat.size}:${stat.mtimeMs}`
  const cacheFile = path.join(cacheDir(env), 'host-opencode.json')
  const cached = readCachedVersion(cacheFile)
  if (cached?.key === key && cached.version) return cached.version
  const result = await runProcess(bin, ['--version'], { signal: AbortSignal.timeout(30_000) })
  const version = result.exitCode === 0 ? parseHostVersion(result.stdout) : undefined
  if (version) {
    await fsp.mkdir(path.dirname(cacheFile), { recursive: true })
    await fsp.writeFile(cacheFile, JSON.stringify({ key, version }) + '\n').catch(() => undefined)
  }
  return version
}

function readCachedVersion(cacheFile: string): { key?: string; version?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { key?: string; version?: string }
  } catch {
    return undefined
  }
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
 * through its environment (attach reads OPENCODE_SERVER_PASSWORD when no flag gives one), never argv.
 * Returns the client's exit code.
 */
export async function attach(
  url: string,
  options: { password: string; directory: string; session?: string },
): Promise<number> {
  const args = OPENCODE_V1.attachArgs(url, options.directory, options.session)
  // The TUI handles Ctrl+C itself; caiged must not die of it while the client runs.
  const ignore = () => undefined
  process.on('SIGINT', ignore)
  try {
    const result = await runProcess('opencode', args, {
      inheritStdio: true,
      env: { OPENCODE_SERVER_PASSWORD: options.password },
    })
    if (result.spawnCode === 'ENOENT') throw missingClientError()
    return result.exitCode
  } finally {
    process.off('SIGINT', ignore)
  }
}
