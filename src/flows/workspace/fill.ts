import path from 'node:path'
import { Transform } from 'node:stream'
import type { Deps } from '../../deps.js'
import { CaigedError } from '../../errors.js'
import { runProcess, streamFrom } from '../../process/spawn.js'
import { HAS_BASE, RECORD_BASE, WS } from './scripts.js'

/**
 * The files of a project to copy, as tar lists them: for the root of a git repository the tracked
 * and the untracked-but-not-ignored files, with .git (its history: the agent can commit and diff);
 * for any other folder, all of it.
 */
async function filesToCopy(workdir: string): Promise<string[] | undefined> {
  const top = await runProcess('git', ['-C', workdir, 'rev-parse', '--show-toplevel'])
  if (top.exitCode !== 0 || path.resolve(top.stdout.trim()) !== path.resolve(workdir)) return undefined
  const listed = await runProcess('git', ['-C', workdir, 'ls-files', '-z', '-co', '--exclude-standard'])
  if (listed.exitCode !== 0) return undefined
  return [...listed.stdout.split('\0').filter(Boolean), '.git']
}

/**
 * Fills a new copy from the project, once (a copy with its base keeps the agent's work), and says
 * so in one line with its size and time. The container runs; the tar goes in on docker's stdin.
 */
export async function fillWorkspaceCopy(
  name: string,
  workdir: string,
  exclude: readonly string[],
  d: Deps,
): Promise<void> {
  const has = await d.docker.cli.exec(['exec', name, 'sh', '-c', HAS_BASE])
  if (has.exitCode === 0) return
  await copyInto(name, workdir, exclude, d)
}

/**
 * tar's arguments that leave out the project config's copy.exclude: matched from the project's
 * root (--anchored), whether tar names a file "data/x" (a repository's list) or "./data/x" (a folder).
 */
export function excludeArgs(exclude: readonly string[]): string[] {
  if (exclude.length === 0) return []
  return ['--anchored', ...exclude.flatMap((p) => [`--exclude=${p}`, `--exclude=./${p}`])]
}

/** The project's files into the running container's /workspace, and that recorded as its base. */
export async function copyInto(
  name: string,
  workdir: string,
  exclude: readonly string[],
  d: Deps,
): Promise<void> {
  const started = Date.now()
  const files = await filesToCopy(workdir)
  const tar = streamFrom(
    'tar',
    ['-c', '-f', '-', '-C', workdir, ...excludeArgs(exclude), ...(files ? ['--null', '-T', '-'] : ['.'])],
    files ? files.map((f) => `${f}\0`).join('') : '',
  )
  let bytes = 0
  const counted = tar.stdout.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length
        done(null, chunk)
      },
    }),
  )
  const result = await d.docker.cli.exec(
    ['exec', '-i', name, 'sh', '-c', `tar -x -C ${WS} && ${RECORD_BASE}`],
    { inputStream: counted },
  )
  const tarred = await tar.done
  if (tarred.exitCode !== 0 || result.exitCode !== 0) {
    throw new CaigedError(
      `Could not copy ${workdir} into ${name}: ${(tarred.stderr || result.stderr).trim().split('\n').pop() ?? ''}`,
      { hint: `caiged containers rm ${name} --volumes removes the partial copy; then run again.` },
    )
  }
  const mb = (bytes / 1e6).toFixed(1)
  d.io.progress(
    `Copied ${workdir} into ${name} (${mb} MB in ${((Date.now() - started) / 1000).toFixed(1)} s).`,
  )
}
