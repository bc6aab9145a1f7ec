import type { Deps } from '../deps.js'
import { listSpins, spinRoots, type SpinLocation } from '../spins/discovery.js'
import { checkSpin } from '../spins/load.js'
import type { SpinProblem } from '../spins/problems.js'

/** A spin checked against every rule: valid, or each problem with its file and field. */
export interface SpinVerdict {
  name: string
  path: string
  valid: boolean
  problems: SpinProblem[]
}

/** `caiged spins list`: every spin a run in this project can use, the project's first. */
export async function listAllSpins(o: { project?: string }, d: Pick<Deps, 'env'>): Promise<SpinLocation[]> {
  return listSpins(spinRoots(o.project, d.env))
}

/** `caiged spins validate [SPIN]`: the spin named (or at a path), else every spin found. */
export async function validateSpins(
  o: { spin?: string; project?: string },
  d: Pick<Deps, 'env'>,
): Promise<SpinVerdict[]> {
  const targets = o.spin ? [o.spin] : (await listSpins(spinRoots(o.project, d.env))).map((s) => s.dir)
  const verdicts: SpinVerdict[] = []
  for (const target of targets) {
    const check = await checkSpin(target, o.project, d.env)
    verdicts.push({
      name: check.location.name,
      path: check.location.dir,
      valid: check.problems.length === 0,
      problems: check.problems,
    })
  }
  return verdicts
}
