/**
 * The argv of the docker calls the hot path of `run` starts ahead (src/cli/ahead.ts), in a module
 * of their own so that starting them loads nothing else: ahead and later must be the same.
 */
export const inspectManyArgs = (names: readonly string[]): string[] => [
  'container',
  'inspect',
  '--',
  ...names,
]
