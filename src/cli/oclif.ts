import { execute } from '@oclif/core'

/** Everything that is not hot: oclif, with its commands from the bundle (explicit strategy). */
export async function runOclif(argv: string[]): Promise<void> {
  // oclif finds the package root (package.json, the manifest) by walking up from here.
  await execute({ dir: import.meta.url, args: argv })
}
