import fs from 'node:fs'
import path from 'node:path'
import { isatty } from 'node:tty'
import type { Interfaces } from '@oclif/core'
import type Connect from './commands/connect.js'
import type ContainersList from './commands/containers/list.js'
import type Run from './commands/run.js'
import type { Deps } from './deps.js'
import { packageRoot } from './paths.js'
import { Prefetched } from './prefetched.js'
import type { HotCommand } from './cli/hot-argv.js'
import { hotParse } from './cli/hot-parse.js'
import type { HotRoute, HotSpecFile } from './cli/hot-spec.js'

/** What a hot command gives back: the data --json prints, and the exit code. */
type Outcome = { data: unknown; exitCode: number }

/** Each hot command's oclif class (types only: nothing of oclif is bundled here). */
interface HotClasses {
  run: typeof Run
  connect: typeof Connect
  'containers:list': typeof ContainersList
}

/** What oclif's `this.parse(C)` gives a hot command, and so what hotParse gives it. */
type HotParsed<Id extends HotCommand> =
  HotClasses[Id] extends Interfaces.Input<infer F, infer B, infer A>
    ? Pick<Interfaces.ParserOutput<F, B, A>, 'args' | 'flags'>
    : never

type Body<Id extends HotCommand> = (p: HotParsed<Id>, deps: Deps, json: boolean) => Promise<Outcome>

/** Each hot command's body, the same function its oclif command runs (src/cli/*.ts). */
const BODIES: { [Id in HotCommand]: Body<Id> } = {
  run: async (p, deps, json) => {
    const { executeRun } = await import('./cli/run.js')
    return executeRun(p, { deps, json })
  },
  connect: async (p, deps) => {
    const { connectAgent } = await import('./flows/connect.js')
    return { data: undefined, exitCode: await connectAgent({ name: p.args.name }, deps) }
  },
  'containers:list': async (p, deps) => {
    const { executeContainersList } = await import('./cli/containers-list.js')
    return { data: await executeContainersList(p.flags, { deps }), exitCode: 0 }
  },
}

const isHotCommand = (id: string): id is HotCommand => Object.hasOwn(BODIES, id)

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

const packageJson = () => readJson<{ name: string; version: string }>(path.join(packageRoot, 'package.json'))

/**
 * The entry of dist/hot.cjs. bin/run.cjs routes argv by dist/hot-spec.json (src/cli/hot-spec.ts)
 * and loads this only for the version and the hot commands, which run here without oclif, whose
 * import and config cost more than a warm `caiged run` should (bench/). False hands argv to oclif
 * (dist/main.js): argv the hot parser does not take on exactly as oclif would.
 */
export async function runHot(route: HotRoute, specs: HotSpecFile): Promise<boolean> {
  if (route.id === 'version') return printVersion()
  return isHotCommand(route.id) ? runCommand(route.id, route.argv, specs) : false
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
async function runCommand<Id extends HotCommand>(
  id: Id,
  argv: string[],
  specs: HotSpecFile,
): Promise<boolean> {
  const spec = specs.commands[id]
  const pkg = packageJson()
  const parsed = spec && pkg ? hotParse(argv, spec, { stdinIsTTY: () => isatty(0) }) : undefined
  if (!parsed || !pkg) return false
  const json = parsed.flags.json === true
  // What the command will wait for first, started while its code loads (see ahead.ts).
  const prefetched = new Prefetched()
  // How docker reaches the engine, settled before the first docker process starts.
  const { connectEngine } = await import('./docker/engine-connection.js')
  const endpoint = connectEngine(process.env)
  if (id === 'run')
    (await import('./cli/ahead.js')).startRunLookupsAhead(parsed, process.env, prefetched, endpoint)
  if (id === 'connect')
    (await import('./cli/ahead.js')).startConnectLookupAhead(parsed, process.env, prefetched, endpoint)
  const [{ defaultDeps }, { commandIo, printFailure, printJson }] = await Promise.all([
    import('./deps.js'),
    import('./cli/output.js'),
  ])
  const deps = defaultDeps({ caigedVersion: pkg.version, io: commandIo(json), prefetched })
  try {
    // hotParse returns what oclif's parser returns for this command (test/unit/hot-parse.test.ts).
    const body: Body<Id> = BODIES[id]
    const { data, exitCode } = await body(parsed as HotParsed<Id>, deps, json)
    if (json && data !== undefined) printJson(data)
    process.exitCode = exitCode
  } catch (error) {
    process.exitCode = printFailure(error, json)
  }
  return true
}
