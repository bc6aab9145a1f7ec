import { runOclif } from './cli/oclif.js'

/**
 * oclif's side of the CLI (bundled, see tools/bundle.mjs): every command that bin/run.cjs did not
 * run on its hot path (src/cli/hot-entry.ts).
 */
await runOclif(process.argv.slice(2))
