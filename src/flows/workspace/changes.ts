import { promises as fs } from 'node:fs'
import { lazyOs } from '../../builtins.js'
import path from 'node:path'
import { readSettings } from '../../containers/settings-record.js'
import type { Deps } from '../../deps.js'
import type { DockerResult } from '../../docker/index.js'
import type { ContainerInspect } from '../../docker/schemas.js'
import { CaigedError, ExitCode, usageError } from '../../errors.js'
import { runProcess } from '../../process/spawn.js'
import { resumeStopped } from '../resume.js'
import { copyInto } from './fill.js'
import { loadProjectConfig } from '../../config/project.js'
import { BUNDLE, DIFF, EMPTY, RECORD_BASE, WS } from './scripts.js'

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
  const files = await filesChanged(container, d)
  const patch = files.length === 0 ? '' : await diffOf(container, o.stat ? ['--stat'] : ['--binary'], d)
  return { name: container.Name, patch, files }
}

/** The files the copy changed since it was given, from git's numstat (binary ones without counts). */
async function filesChanged(container: ContainerInspect, d: Deps): Promise<ChangedFile[]> {
  const numstat = await diffOf(container, ['--numstat', '-z'], d)
  return numstat
    .split('\0')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const [added, deleted, file] = entry.split('\t') as [string, string, string]
      return added === '-' ? { path: file } : { path: file, added: Number(added), deleted: Number(deleted) }
    })
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
  // One look at the container and one read of the patch: what is checked is what is applied.
  const container = await copyContainer(o.name, d)
  const name = container.Name
  const files = await filesChanged(container, d)
  if (files.length === 0) return { name, files }
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

/** A branch name git accepts, and nothing a shell or git would read as more. */
const BRANCH = /^(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/

/**
 * `caiged apply NAME --branch [BRANCH]`: the agent's commits as a branch of the project's
 * repository (caiged/NAME by default), through a git bundle; the project's working tree and its
 * other branches are not touched. Its uncommitted changes are not in it (plain apply brings those).
 */
export async function applyAsBranch(
  o: { name: string; branch?: string },
  d: Deps,
): Promise<{ name: string; branch: string; commits: number }> {
  const container = await copyContainer(o.name, d)
  const branch = o.branch ?? `caiged/${container.Name}`
  if (!BRANCH.test(branch) || branch.endsWith('.lock') || branch.startsWith('-'))
    throw usageError(`"${branch}" is not a branch name git accepts.`, 'Give one such as caiged/my-change.')
  const workdir = readSettings(container.Config.Labels).workdir as string
  const bundled = await inCopy(container, BUNDLE, [], d)
  if (bundled.exitCode === 3)
    throw new CaigedError(`${workdir} is not a git repository: there is no branch to make.`, {
      exitCode: ExitCode.Usage,
      hint: `caiged apply ${container.Name} brings the changes in as files.`,
    })
  if (bundled.exitCode !== 0)
    throw new CaigedError(`Could not read the commits of ${container.Name}: ${bundled.stderr.trim()}`)
  if (bundled.stdout.trim() === 'none')
    throw new CaigedError(`${container.Name} has made no commit in its copy: there is nothing to branch.`, {
      hint: `caiged apply ${container.Name} brings its uncommitted changes in as files.`,
    })
  const dir = await fs.mkdtemp(path.join(lazyOs().tmpdir(), 'caiged-bundle-'))
  try {
    const file = path.join(dir, 'agent.bundle')
    await fs.writeFile(file, Buffer.from(bundled.stdout.trim(), 'base64'))
    const env = { GIT_CEILING_DIRECTORIES: path.dirname(workdir) }
    const fetched = await runProcess(
      'git',
      ['-C', workdir, 'fetch', '-q', file, `HEAD:refs/heads/${branch}`],
      { env },
    )
    if (fetched.exitCode !== 0) {
      throw new CaigedError(
        `Could not make the branch ${branch}: ${fetched.stderr.trim().split('\n').pop()}`,
        {
          hint: 'A branch of that name may exist: give another with --branch NAME.',
        },
      )
    }
    const counted = await runProcess('git', ['-C', workdir, 'rev-list', '--count', `HEAD..${branch}`], {
      env,
    })
    return { name: container.Name, branch, commits: Number(counted.stdout.trim()) || 0 }
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/**
 * `caiged sync NAME`: the agent's copy made anew from the project as it is now. Refused while the
 * agent has changes it has not had applied, unless forced (they are then gone).
 */
export async function syncWorkspace(o: { name: string; force: boolean }, d: Deps): Promise<{ name: string }> {
  const container = await copyContainer(o.name, d)
  const name = container.Name
  const files = await filesChanged(container, d)
  if (files.length && !o.force) {
    throw new CaigedError(
      `${name} has changes you have not applied (${files.map((f) => f.path).join(', ')}): sync would drop them.`,
      { exitCode: ExitCode.Usage, hint: `caiged apply ${name} first, or pass --force to drop them.` },
    )
  }
  if (!container.State.Running) await resumeStopped(container, d)
  const emptied = await d.docker.cli.exec(['exec', name, 'sh', '-c', EMPTY])
  if (emptied.exitCode !== 0)
    throw new CaigedError(`Could not empty the copy of ${name}: ${emptied.stderr.trim()}`)
  const workdir = readSettings(container.Config.Labels).workdir as string
  const project = await loadProjectConfig(workdir)
  await copyInto(name, workdir, project?.config.copy?.exclude ?? [], d)
  return { name }
}
