import type { Deps } from '../deps.js'
import { connectAgent } from '../flows/connect.js'

/** The body of `caiged connect`: the TUI's exit code. */
export function executeConnect(args: { name: string }, ctx: { deps: Deps }): Promise<number> {
  return connectAgent({ name: args.name }, ctx.deps)
}
