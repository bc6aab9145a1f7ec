import { hotInvocation } from './cli/hot-argv.js'

/**
 * The CLI's entry (bin/run.js loads it; bundled, see tools/bundle.mjs). The version and the hot
 * commands run from here without loading oclif, whose import and config cost more than a warm
 * `caiged run` should (bench/); everything else, and anything the hot path does not take on
 * exactly as oclif would, goes to oclif.
 */
const argv = process.argv.slice(2)
const hot = hotInvocation(argv)
let handled = false
if (hot?.kind === 'version') {
  const { printVersion } = await import('./cli/hot.js')
  handled = printVersion()
} else if (hot) {
  const { runHot } = await import('./cli/hot.js')
  handled = await runHot(hot.id, hot.argv)
}
if (!handled) {
  const { runOclif } = await import('./cli/oclif.js')
  await runOclif(argv)
}
