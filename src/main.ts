import { execute } from '@oclif/core'

/**
 * oclif's side of the CLI (bundled, see tools/bundle.mjs): every command that bin/run.cjs did not
 * run on its hot path (src/cli/hot.ts). oclif finds the package root (package.json, the manifest)
 * by walking up from here.
 */
await execute({ dir: import.meta.url, args: process.argv.slice(2) })
