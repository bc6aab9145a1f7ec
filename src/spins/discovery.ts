import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { isDirectory } from '../host/local-files.js'
import { paths, packageRoot } from '../paths.js'
import { MAX_SPIN_NAME_LENGTH, SPIN_NAME_PATTERN } from './names.js'
import type { SpinFiles } from './validate.js'

export type SpinSource = 'project' | 'user' | 'built-in' | 'path'

export interface SpinLocation {
  name: string
  source: SpinSource
  dir: string
}

/** Where spins are found, most specific first: a project's own spins win over the user's and caiged's. */
export function spinRoots(projectDir: string | undefined, env: NodeJS.ProcessEnv): [SpinSource, string][] {
  const roots: [SpinSource, string][] = []
  if (projectDir) roots.push(['project', path.join(projectDir, '.caiged', 'spins')])
  roots.push(['user', paths(env).userSpinsDir])
  roots.push(['built-in', path.join(packageRoot, 'spins')])
  return roots
}

export const isSpinName = (name: string) =>
  SPIN_NAME_PATTERN.test(name) && name.length <= MAX_SPIN_NAME_LENGTH

export function checkSpinName(name: string): string {
  if (!isSpinName(name)) {
    throw usageError(
      `"${name}" is not a valid spin name.`,
      `Spin names match ^[a-z0-9][a-z0-9_-]*$ (at most ${MAX_SPIN_NAME_LENGTH} characters), e.g. dev, qa, security.`,
    )
  }
  return name
}

/** Every spin, one per name, the most specific source winning. */
export async function listSpins(roots: [SpinSource, string][]): Promise<SpinLocation[]> {
  const found = new Map<string, SpinLocation>()
  for (const [source, root] of roots) {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fs.readdir(root, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      const isDir =
        entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path.join(root, entry.name)))
      if (!isDir || !isSpinName(entry.name) || found.has(entry.name)) continue
      found.set(entry.name, { name: entry.name, source, dir: path.join(root, entry.name) })
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** The spin of that name; the name is validated before it reaches any path. */
export async function findSpin(name: string, roots: [SpinSource, string][]): Promise<SpinLocation> {
  checkSpinName(name)
  for (const [source, root] of roots) {
    const dir = path.join(root, name)
    if (isDirectory(dir)) return { name, source, dir }
  }
  const known = (await listSpins(roots)).map((s) => s.name)
  throw new CaigedError(`Unknown spin "${name}".`, {
    exitCode: ExitCode.NotFound,
    hint: known.length ? `Known spins: ${known.join(', ')} (caiged spins list).` : 'No spins found at all.',
  })
}

/** Reads what validation needs from a spin directory; never follows names outside it. */
export async function readSpinFiles(name: string, dir: string): Promise<SpinFiles> {
  const skillsDir = path.join(dir, 'skills')
  let skills: SpinFiles['skills']
  let skillsIsDirectory = true
  try {
    const entries = await fs.readdir(skillsDir, { withFileTypes: true })
    skills = await Promise.all(
      entries
        .filter((e) => !e.name.startsWith('.'))
        .map(async (e) => {
          const isDirectory = e.isDirectory()
          return {
            folder: e.name,
            isDirectory,
            skillMd: isDirectory ? await readText(path.join(skillsDir, e.name, 'SKILL.md')) : undefined,
          }
        }),
    )
    skills.sort((a, b) => a.folder.localeCompare(b.folder))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR') skillsIsDirectory = false
    else if (code !== 'ENOENT') throw error
  }
  return {
    name,
    agentsMd: await readText(path.join(dir, 'AGENTS.md')),
    hasLegacyAgentMd: (await readText(path.join(dir, 'AGENT.md'))) !== undefined,
    manifestText: await readText(path.join(dir, 'spin.yaml')),
    hasMcpFolder: isDirectory(path.join(dir, 'mcp')),
    skills,
    skillsIsDirectory,
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined
    throw error
  }
}
