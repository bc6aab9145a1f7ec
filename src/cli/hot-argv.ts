/** The commands people type many times a day: bin/run.cjs runs them without loading oclif. */
export const HOT_COMMANDS = ['run', 'connect', 'containers:list'] as const
export type HotCommand = (typeof HOT_COMMANDS)[number]

/** oclif's version flags (package.json oclif.additionalVersionFlags adds -v). */
export const VERSION_FLAGS = ['--version', '-v']

/**
 * What main.ts does with argv: print the version, run a hot command, or (undefined) hand it all to
 * oclif: help, any other command, a folder as the first word (the command_not_found hook).
 */
export function hotInvocation(
  argv: readonly string[],
): { kind: 'version' } | { kind: 'command'; id: HotCommand; argv: string[] } | undefined {
  // oclif looks only at the first word for these.
  if (VERSION_FLAGS.includes(argv[0] ?? '')) return { kind: 'version' }
  // Help wherever it is asked for is oclif's, as is everything after "--".
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--')) return undefined
  const [first, second] = argv
  if (first === 'run' || first === 'connect') return { kind: 'command', id: first, argv: argv.slice(1) }
  if (first === 'containers' && second === 'list')
    return { kind: 'command', id: 'containers:list', argv: argv.slice(2) }
  return undefined
}
