import { hotInvocation } from './hot-argv.js'

/**
 * The entry of dist/hot.cjs, which bin/run.cjs loads first: the version and the hot commands run
 * here without oclif, whose import and config cost more than a warm `caiged run` should (bench/).
 * False hands argv to oclif (dist/main.js): help, any other command, and any argv the hot parser
 * does not take on exactly as oclif would.
 */
export async function runHotArgv(argv: string[]): Promise<boolean> {
  const hot = hotInvocation(argv)
  if (!hot) return false
  const { printVersion, runHot } = await import('./hot.js')
  return hot.kind === 'version' ? printVersion() : runHot(hot.id, hot.argv)
}
