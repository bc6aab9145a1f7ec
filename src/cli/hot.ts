import fs from 'node:fs'
import path from 'node:path'
import type { Deps } from '../deps.js'
import { packageRoot } from '../paths.js'
import type { HotCommand } from './hot-argv.js'
import { hotParse, type Parsed } from './hot-parse.js'
import type { CommandSpec } from './hot-spec.js'

/** What a hot command gives back: the data --json prints, and the exit code. */
type Outcome = { data: unknown; exitCode: number }

/** Each hot command's body, the same function its oclif command runs (src/cli/*.ts). */
const BODIES: Record<HotCommand, (p: Parsed, deps: Deps, json: boolean) => Promise<Outcome>> = {
  run: async (p, deps, json) => {
    const { executeRun } = await import('./run.js')
    return executeRun(p as unknown as Parameters<typeof executeRun>[0], { deps, json })
  },
  connect: async (p, deps) => {
    const { executeConnect } = await import('./connect.js')
    return { data: undefined, exitCode: await executeConnect({ name: p.args.name as string }, { deps }) }
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

/** oclif's version line (its config.userAgent), without oclif. */
export function printVersion(): boolean {
  const pkg = packageJson()
  if (!pkg) return false
  process.stdout.write(
    `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`,
  )
  return true
}

/**
 * Runs a hot command when its argv parses exactly as oclif would parse it (dist/hot-spec.json holds
 * its definitions); false leaves it to oclif. Output, errors and exit codes are the oclif command's:
 * both write through cli/output.ts.
 */
export async function runHot(id: HotCommand, argv: string[]): Promise<boolean> {
  const spec = readJson<Record<string, CommandSpec | undefined>>(
    path.join(packageRoot, 'dist', 'hot-spec.json'),
  )?.[id]
  const pkg = packageJson()
  const parsed = spec && pkg ? hotParse(argv, spec) : undefined
  if (!parsed || !pkg) return false
  const json = parsed.flags.json === true
  // What the command will wait for first, started while its code loads (see ahead.ts).
  if (id === 'run') (await import('./ahead.js')).startRunLookupsAhead(parsed, process.env)
  if (id === 'connect') (await import('./ahead.js')).startConnectLookupAhead(parsed)
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
