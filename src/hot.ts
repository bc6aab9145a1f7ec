import fs from 'node:fs'
import path from 'node:path'
import type { Deps } from '../deps.js'
import { packageRoot } from '../paths.js'
import { hotInvocation, type HotCommand } from './hot-argv.js'
import { hotParse, type Parsed } from './hot-parse.js'
import type { CommandSpec, HotSpecFile } from './hot-spec.js'

/** What a hot command gives back: the data --json prints, and the exit code. */
type Outcome = { data: unknown; exitCode: number }

/** Each hot command's body, the same function its oclif command runs (src/cli/*.ts). */
const BODIES: Record<HotCommand, (p: Parsed, deps: Deps, json: boolean) => Promise<Outcome>> = {
  run: async (p, deps, json) => {
    const { executeRun } = await import('./run.js')
    return executeRun(p as unknown as Parameters<typeof executeRun>[0], { deps, json })
  },
  connect: async (p, deps) => {
    const { connectAgent } = await import('../flows/connect.js')
    return { data: undefined, exitCode: await connectAgent({ name: p.args.name as string }, deps) }
  },
  'containers:list': async (p, deps) => {
    const { executeContainersList } = await import('./containers-list.js')
    const flags = p.flags as Parameters<typeof executeContainersList>[0]
    return { data: await executeContainersList(flags, { deps }), exitCode: 0 }
  },
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

const packageJson = () => readJson<{ name: string; version: string }>(path.join(packageRoot, 'package.json'))

/**
 * The entry of dist/hot.cjs, which bin/run.cjs loads first, handing it dist/hot-spec.json: the
 * version and the hot commands run here without oclif, whose import and config cost more than a
 * warm `caiged run` should (bench/). False hands argv to oclif (dist/main.js): help, any other
 * command, and any argv the hot parser does not take on exactly as oclif would.
 */
export async function runHotArgv(argv: string[], specs: HotSpecFile | undefined): Promise<boolean> {
  const hot = hotInvocation(argv)
  if (!hot || !specs) return false
  return hot.kind === 'version' ? printVersion() : runHot(hot.id, hot.argv, specs.commands[hot.id])
}

/** oclif's version line (its config.userAgent), without oclif. */
function printVersion(): boolean {
  const pkg = packageJson()
  if (!pkg) return false
  process.stdout.write(
    `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`,
  )
  return true
}

/**
 * Runs a hot command when its argv parses exactly as oclif would parse it by its spec; false leaves
 * it to oclif. Output, errors and exit codes are the oclif command's: both write through
 * cli/output.ts.
 */
async function runHot(id: HotCommand, argv: string[], spec: CommandSpec | undefined): Promise<boolean> {
  const pkg = packageJson()
  const parsed = spec && pkg ? hotParse(argv, spec) : undefined
  if (!parsed || !pkg) return false
  const json = parsed.flags.json === true
  // What the command will wait for first, started while its code loads (see ahead.ts).
  if (id === 'run') (await import('./ahead.js')).startRunLookupsAhead(parsed, process.env)
  if (id === 'connect') (await import('./ahead.js')).startConnectLookupAhead(parsed, process.env)
  const [{ defaultDeps }, { commandIo, printFailure, printJson }] = await Promise.all([
    import('../deps.js'),
    import('./output.js'),
  ])
  const deps = defaultDeps({ caigedVersion: pkg.version, io: commandIo(json) })
  try {
    const { data, exitCode } = await BODIES[id](parsed, deps, json)
    if (json && data !== undefined) printJson(data)
    process.exitCode = exitCode
  } catch (error) {
    process.exitCode = printFailure(error, json)
  }
  return true
}
