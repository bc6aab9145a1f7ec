import { Command, Errors } from '@oclif/core'
import { defaultDeps, type Deps } from './deps.js'
import { CaigedError, ExitCode } from './errors.js'

/**
 * What every caiged command shares: failures become one clear sentence and a hint with a distinct
 * exit code (in --json mode, a JSON error object), never a stack trace. DEBUG=caiged shows the
 * stack of an unexpected error for a bug report.
 */
export abstract class BaseCommand extends Command {
  private madeDeps: Deps | undefined

  /** What the flows need from the world, built on first use (lazy inside too: see deps.ts). */
  protected get deps(): Deps {
    this.madeDeps ??= defaultDeps({
      caigedVersion: this.config.version,
      io: {
        log: (m) => this.log(m),
        // stderr is not data: under --json, warnings and progress still reach it (oclif's own
        // warn and logToStderr are silent then).
        warn: (m) => (this.jsonEnabled() ? process.stderr.write(`Warning: ${m}\n`) : this.warn(m)),
        progress: (line) => process.stderr.write(`${line}\n`),
        json: this.jsonEnabled(),
      },
    })
    return this.madeDeps
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // Flags' own parse functions throw CaigedErrors too (see flags.ts), so they print as made.
    if (error instanceof CaigedError) return this.fail(error.sentence, error.exitCode, error.hint)
    // oclif's own errors (bad flags, --help, this.exit) are already short and carry their codes
    // (package.json oclif.exitCodes makes its flag-parse failures usage errors).
    if (error instanceof Errors.CLIError || 'oclif' in error) return super.catch(error)
    if (process.env.DEBUG?.includes('caiged')) this.logToStderr(error.stack ?? String(error))
    return this.fail(
      `Unexpected error: ${error.message}`,
      ExitCode.Failure,
      'This is a bug in caiged. Run again with DEBUG=caiged to see where it happened, and report it.',
    )
  }

  private async fail(message: string, exit: number, hint: string | undefined): Promise<unknown> {
    process.exitCode = exit
    if (this.jsonEnabled()) {
      return super.catch(new Errors.CLIError(message, { exit, suggestions: hint ? [hint] : undefined }))
    }
    // Printed as is, not wrapped to 80 columns: a message must stay one greppable line.
    const red =
      process.stderr.isTTY && !process.env.NO_COLOR ? (s: string) => `\u001B[31m${s}\u001B[39m` : String
    this.logToStderr(`${red('Error:')} ${message}`)
    if (hint) this.logToStderr(`Hint: ${hint}`)
    return this.exit(exit)
  }
}
