import path from 'node:path'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { isDirectory } from '../host/local-files.js'
import { findSpin, isSpinName, readSpinFiles, spinRoots, type SpinLocation } from './discovery.js'
import type { SpinManifest } from './manifest.js'
import { InvalidSpinError, type SpinProblem } from './problems.js'
import { validateSpinFiles, type ValidSkill } from './validate.js'

export interface Spin extends SpinLocation {
  manifest: SpinManifest
  skills: ValidSkill[]
  agentsMd: string
}

export interface SpinCheck {
  location: SpinLocation
  problems: SpinProblem[]
  spin: Spin | undefined
}

/** Finds and checks a spin by name, or by path when the argument looks like one (for `spins validate`). */
export async function checkSpin(
  nameOrPath: string,
  projectDir: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SpinCheck> {
  const location = looksLikePath(nameOrPath)
    ? await locationOfPath(nameOrPath)
    : await findSpin(nameOrPath, spinRoots(projectDir, env))
  return checkLocation(location)
}

async function checkLocation(location: SpinLocation): Promise<SpinCheck> {
  const files = await readSpinFiles(location.name, location.dir)
  const { manifest, skills, problems } = validateSpinFiles(files)
  const spin =
    problems.length === 0 ? { ...location, manifest, skills, agentsMd: files.agentsMd ?? '' } : undefined
  return { location, problems, spin }
}

/**
 * A valid spin by name (never a path), or one error that lists every problem it has. The user's
 * spins are found through `env` (XDG_CONFIG_HOME, HOME): the run's, never the process's.
 */
export async function loadSpin(
  name: string,
  projectDir: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Spin> {
  const check = await checkLocation(await findSpin(name, spinRoots(projectDir, env)))
  if (!check.spin) throw new InvalidSpinError(check.location.name, check.problems)
  return check.spin
}

function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.startsWith('.')
}

async function locationOfPath(arg: string): Promise<SpinLocation> {
  const dir = path.resolve(arg)
  if (!isDirectory(dir)) {
    throw new CaigedError(`There is no spin folder at ${dir}.`, { exitCode: ExitCode.NotFound })
  }
  const name = path.basename(dir)
  if (!isSpinName(name)) {
    throw usageError(
      `The spin folder "${dir}" has no valid spin name.`,
      'A spin folder is named like its spin: ^[a-z0-9][a-z0-9_-]*$.',
    )
  }
  return { name, source: 'path', dir }
}
