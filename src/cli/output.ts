import type { Io } from '../deps.js'
import { CaigedError, ExitCode } from '../errors.js'

/**
 * How caiged's commands write, the one home for both ways a command runs (oclif's, and the hot
 * path (src/hot.ts) that runs run, connect and containers list without it): data on stdout, a
 * failure as one sentence and a hint (or a JSON error object), warnings on one greppable line.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function printLine(message = ''): void {
  process.stdout.write(`${message}\n`)
}

/** The io a command's flows get: stderr is not data, so warnings and progress reach it under --json too. */
export function commandIo(json: boolean, log?: (message: string) => void): Omit<Io, 'confirm'> {
  return {
    // Under --json, stdout holds only the data.
    log: log ?? (json ? () => undefined : printLine),
    warn: (m) => process.stderr.write(`Warning: ${m}\n`),
    progress: (line) => process.stderr.write(`${line}\n`),
    json,
  }
}

/**
 * A failure as the user sees it; returns the exit code. A CaigedError prints as made; anything else
 * is a bug: said so, with its stack only under DEBUG=caiged (source maps name the source line).
 */
export function printFailure(error: unknown, json: boolean): number {
  const known = error instanceof CaigedError
  const exit = known ? error.exitCode : ExitCode.Failure
  const message = known ? error.sentence : `Unexpected error: ${(error as Error)?.message ?? String(error)}`
  const hint = known
    ? error.hint
    : 'This is a bug in caiged. Run again with DEBUG=caiged to see where it happened, and report it.'
  if (!known && process.env.DEBUG?.includes('caiged'))
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`)
  if (json) {
    printJson({ error: { oclif: { exit }, suggestions: hint ? [hint] : undefined, message, name: 'Error' } })
    return exit
  }
  // Printed as is, not wrapped to 80 columns: a message must stay one greppable line.
  const red =
    process.stderr.isTTY && !process.env.NO_COLOR ? (s: string) => `\u001B[31m${s}\u001B[39m` : String
  process.stderr.write(`${red('Error:')} ${message}\n`)
  if (hint) process.stderr.write(`Hint: ${hint}\n`)
  return exit
}
