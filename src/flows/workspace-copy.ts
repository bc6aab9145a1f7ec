import path from 'node:path'
import { Transform } from 'node:stream'
import { ContainerPath } from '../containers/request.js'
import { readSettings } from '../containers/settings-record.js'
import type { Deps } from '../deps.js'
import type { DockerResult } from '../docker/index.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError, ExitCode } from '../errors.js'
import { runProcess, streamFrom } from '../process/spawn.js'

/**
 * --workspace copy: the agent works on a copy of the project in a volume of its own, which the
 * project never sees until `caiged apply`. What it was given is a commit, refs/caiged/base, in the
 * copy's git (a folder that is not a repository gets one): `diff` and `apply` compare against it.
 */

const WS = ContainerPath.workspace

/** Records the copy as it is now as what the agent was given (refs/caiged/base). */
const RECORD_BASE = `set -eu
cd ${WS}
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "${WS}" ] || git init -q
idx=/tmp/caiged-base-index.$$
trap 'rm -f "$idx"' EXIT
GIT_INDEX_FILE=$idx git add -A
tree=$(GIT_INDEX_FILE=$idx git write-tree)
parent=$(git rev-parse -q --verify HEAD || true)
base=$(git -c user.name=caiged -c user.email=caiged@caiged.invalid commit-tree "$tree" \${parent:+-p "$parent"} -m "caiged: the project as the agent was given it")
git update-ref refs/caiged/base "$base"`

/** The copy's changes since it was given (its commits and its working tree, untracked files too). */
const DIFF = `set -eu
cd ${WS}
idx=/tmp/caiged-diff-index.$$
trap 'rm -f "$idx"' EXIT
GIT_INDEX_FILE=$idx git add -A
GIT_INDEX_FILE=$idx git diff --cached --no-renames --no-color "$@" refs/caiged/base --`

/** Whether the copy has been filled (its base recorded). */
const HAS_BASE = `git -C ${WS} rev-parse -q --verify refs/caiged/base >/dev/null`

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
export async function fillWorkspaceCopy(name: string, workdir: string, d: Deps): Promise<void> {
  const has = await d.docker.cli.exec(['exec', name, 'sh', '-c', HAS_BASE])
  if (has.exitCode === 0) return
  const started = Date.now()
  const files = await filesToCopy(workdir)
  const tar = streamFrom(
    'tar',
    ['-c', '-f', '-', '-C', workdir, ...(files ? ['--null', '-T', '-'] : ['.'])],
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

/** A container made with --workspace copy, looked up for diff or apply; else one sentence why not. */
async function copyContainer(name: string, d: Deps): Promise<ContainerInspect> {
  const container = await d.containers.get(name)
  if (readSettings(container.Config.Labels).workspace !== 'copy') {
    throw new CaigedError(
      `${container.Name} works on your folder itself, not on a copy: there is nothing to diff or apply.`,
      {
        exitCode: ExitCode.Usage,
        hint: 'Its changes are already in the project (git diff there). caiged run --workspace copy makes an agent that works on a copy.',
      },
    )
  }
  return container
}

/**
 * Runs a script in the copy: in the agent when it runs, else in a throwaway container of its image
 * with its volume (no network), so a stopped agent is not started just to be read.
 */
async function inCopy(
  container: ContainerInspect,
  script: string,
  args: string[],
  d: Deps,
): Promise<DockerResult> {
  if (container.State.Running)
    return d.docker.cli.exec(['exec', container.Name, 'sh', '-c', script, 'sh', ...args])
  const volume = container.Mounts.find((m) => m.Destination === WS)?.Name
  if (!volume) throw new CaigedError(`${container.Name} has no workspace volume.`)
  return d.docker.cli.exec([
    ...['run', '--rm', '--network', 'none', '--mount', `type=volume,src=${volume},dst=${WS}`],
    ...['--entrypoint', 'sh', container.Image, '-c', script, 'sh', ...args],
  ])
}

async function diffOf(container: ContainerInspect, args: string[], d: Deps): Promise<string> {
  const result = await inCopy(container, DIFF, args, d)
  if (result.exitCode !== 0)
    throw new CaigedError(`Could not read the changes of ${container.Name}: ${result.stderr.trim()}`)
  // The runner trims the last newline, which ends a patch's last line.
  return result.stdout === '' ? '' : `${result.stdout}\n`
}

export interface ChangedFile {
  path: string
  /** Lines added and deleted; undefined for a binary file. */
  added?: number
  deleted?: number
}

/** `caiged diff NAME`: the agent's changes against what it was given, as a patch, a stat or files. */
export async function workspaceDiff(
  o: { name: string; stat?: boolean },
  d: Deps,
): Promise<{ name: string; patch: string; files: ChangedFile[] }> {
  const container = await copyContainer(o.name, d)
  const numstat = await diffOf(container, ['--numstat', '-z'], d)
  const files = numstat
    .split('\0')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const [added, deleted, file] = entry.split('\t') as [string, string, string]
      return added === '-' ? { path: file } : { path: file, added: Number(added), deleted: Number(deleted) }
    })
  const patch = files.length === 0 ? '' : await diffOf(container, o.stat ? ['--stat'] : ['--binary'], d)
  return { name: container.Name, patch, files }
}

/**
 * `caiged apply NAME`: the agent's changes into the project, all or nothing: refused, naming the
 * files, when the project changed the same lines since; then what the agent was given moves on to
 * include them, so the next diff shows only what is new.
 */
export async function applyWorkspace(
  o: { name: string },
  d: Deps,
): Promise<{ name: string; files: ChangedFile[] }> {
  const { name, files } = await workspaceDiff({ name: o.name }, d)
  if (files.length === 0) return { name, files }
  const container = await copyContainer(name, d)
  const workdir = readSettings(container.Config.Labels).workdir
  if (!workdir) throw new CaigedError(`${name} does not say which project it copies.`)
  const patch = await diffOf(container, ['--binary'], d)
  // Only the project's own repository (or none): never one of a folder above it.
  const git = (args: string[]) =>
    runProcess('git', ['apply', ...args, '-'], {
      cwd: workdir,
      input: patch,
      env: { GIT_CEILING_DIRECTORIES: path.dirname(workdir) },
    })
  const check = await git(['--check'])
  if (check.exitCode !== 0 && !/patch failed|does not apply|already exists/.test(check.stderr))
    throw new CaigedError(`Could not apply the changes of ${name}: ${check.stderr.trim()}`)
  if (check.exitCode !== 0) {
    const clashing = [
      ...new Set(
        [...check.stderr.matchAll(/(?:patch failed: (.+):\d+|error: (.+): already exists)/g)].map(
          (m) => m[1] ?? m[2],
        ),
      ),
    ]
    throw new CaigedError(
      `Not applied: ${clashing.length ? clashing.join(', ') : 'the project'} changed since ${name} was given it, where the agent changed it too; nothing was changed.`,
      {
        hint: `caiged diff ${name} shows the agent's changes; bring the two together by hand, or apply after undoing yours.`,
      },
    )
  }
  const applied = await git([])
  if (applied.exitCode !== 0)
    throw new CaigedError(`Applying the changes of ${name} failed: ${applied.stderr.trim()}`)
  const moved = await inCopy(container, RECORD_BASE, [], d)
  if (moved.exitCode !== 0)
    d.io.warn(`Applied, but ${name} could not note it: its next diff shows these changes again.`)
  return { name, files }
}
