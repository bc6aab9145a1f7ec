import { Command, Errors } from '@oclif/core'
import { commandIo, printFailure, printJson } from './cli/output.js'
import { defaultDeps, type Deps } from './deps.js'
import { CaigedError } from './errors.js'

/**
 * What every caiged command shares: failures become one clear sentence and a hint with a distinct
 * exit code (in --json mode, a JSON error object), never a stack trace. DEBUG=caiged shows the
 * stack of an unexpected error for a bug report. How they are written lives in cli/output.ts, which
 * the hot path (src/hot.ts) writes with too.
 */
export abstract class BaseCommand extends Command {
  private madeDeps: Deps | undefined

  /** What the flows need from the world, built on first use (lazy inside too: see deps.ts). */
  protected get deps(): Deps {
    this.madeDeps ??= defaultDeps({
      caigedVersion: this.config.version,
      io: commandIo(this.jsonEnabled(), (m) => this.log(m)),
    })
    return this.madeDeps
  }

  /** Plain JSON, in a terminal too: the same bytes whichever way the command ran. */
  override logJson(json: unknown): void {
    printJson(json)
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // oclif's own errors (bad flags, --help, this.exit) are already short and carry their codes
    // (package.json oclif.exitCodes makes its flag-parse failures usage errors). Flags' own parse
    // functions throw CaigedErrors (see flags.ts), so they print as made.
    if (!(error instanceof CaigedError) && (error instanceof Errors.CLIError || 'oclif' in error))
      return super.catch(error)
    const exit = printFailure(error, this.jsonEnabled())
    process.exitCode = exit
    return this.exit(exit)
  }
}
