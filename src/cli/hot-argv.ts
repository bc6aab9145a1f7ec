/**
 * The commands people type many times a day: bin/run.cjs runs them without loading oclif, routed by
 * dist/hot-spec.json (src/cli/hot-spec.ts), which tools/bundle.mjs writes from this list. Each needs
 * a body in src/hot.ts (the type checker asks for it).
 */
export const HOT_COMMANDS = ['run', 'connect', 'containers:list'] as const
export type HotCommand = (typeof HOT_COMMANDS)[number]

/** oclif's version flags (package.json oclif.additionalVersionFlags adds -v). */
export const VERSION_FLAGS = ['--version', '-v']
