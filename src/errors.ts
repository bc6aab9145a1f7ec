/**
 * Every failure a user can cause or meet is a CaigedError: one sentence that says what is wrong,
 * a hint that says what to do, and an exit code that scripts can branch on. Commands never let
 * anything else reach the terminal as a stack trace (see base-command.ts).
 */
export const ExitCode = {
  /** Anything not more specific below. */
  Failure: 1,
  /** Bad flags, arguments or names (oclif uses 2 for its own parse errors too). */
  Usage: 2,
  /** A file caiged owns (salt, config, spin) is missing, corrupt or invalid. */
  Config: 3,
  /** Docker is not installed, the engine is not reachable, or access to it is denied. */
  Docker: 4,
  /** The thing named (container, image, spin) does not exist. */
  NotFound: 5,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** What each exit code means, for the man page's EXIT STATUS (one home with the codes above). */
export const EXIT_CODE_MEANINGS: Record<ExitCode, string> = {
  [ExitCode.Failure]: 'Failure not covered below.',
  [ExitCode.Usage]: 'Bad input: flags, arguments or names.',
  [ExitCode.Config]: 'A caiged file (salt, spin, config) is missing, corrupt or invalid.',
  [ExitCode.Docker]: 'Docker is not installed, the engine is not reachable, or access to it is denied.',
  [ExitCode.NotFound]: 'The thing named (container, image, spin) does not exist.',
}

export class CaigedError extends Error {
  readonly hint: string | undefined
  readonly exitCode: ExitCode
  /** The sentence as made: oclif rewrites `message` of an error a flag's parse throws. */
  readonly sentence: string

  constructor(message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CaigedError'
    this.sentence = message
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.Failure
  }
}

export function usageError(message: string, hint?: string): CaigedError {
  return new CaigedError(message, { hint, exitCode: ExitCode.Usage })
}

/** The user said no to a confirmation: nothing was done (gh's CancelError). */
export class CancelledError extends CaigedError {
  constructor(message: string) {
    super(`Cancelled: ${message}`, { exitCode: ExitCode.Failure })
    this.name = 'CancelledError'
  }
}
