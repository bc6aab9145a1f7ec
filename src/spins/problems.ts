import { CaigedError, ExitCode } from '../errors.js'

/** One thing wrong with a spin: which file, which field, which rule. */
export interface SpinProblem {
  file: string
  field?: string
  message: string
}

export function formatProblem(problem: SpinProblem): string {
  return `${problem.file}${problem.field ? `: ${problem.field}` : ''}: ${problem.message}`
}

export class InvalidSpinError extends CaigedError {
  constructor(
    readonly spin: string,
    readonly problems: SpinProblem[],
  ) {
    super(
      problems.length === 1
        ? `Spin "${spin}" is invalid: ${formatProblem(problems[0] as SpinProblem)}`
        : `Spin "${spin}" is invalid:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      { exitCode: ExitCode.Config, hint: 'Check it with: caiged spins validate ' + spin },
    )
  }
}
