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
