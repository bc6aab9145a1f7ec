/**
 * What the hot path needs to parse a command's argv the way oclif does, drawn from the command's
 * own flag and argument definitions at build time (tools/bundle.mjs writes dist/hot-spec.json), so
 * the definitions keep one home. Anything the hot path cannot parse faithfully (a flag with its own
 * parse function, an env-backed or required flag, a relationship between flags) makes the command
 * not hot: main.ts then leaves it to oclif.
 */
export interface FlagSpec {
  type: 'boolean' | 'option'
  char?: string
  multiple?: boolean
  /** One value per occurrence (oclif's multipleNonGreedy); a greedy multiple flag is not hot. */
  nonGreedy?: boolean
  delimiter?: string
  options?: string[]
  default?: string | boolean | string[]
  allowNo?: boolean
  exclusive?: string[]
  aliases?: string[]
}

export interface ArgSpec {
  name: string
  default?: string
  required?: boolean
}

export interface CommandSpec {
  flags: Record<string, FlagSpec>
  args: ArgSpec[]
}

/** dist/hot-spec.json: what bin/run.cjs reads before loading the hot path, and hands to it. */
export interface HotSpecFile {
  versionFlags: string[]
  commands: Partial<Record<string, CommandSpec>>
}

/** The parts of an oclif flag or argument definition read here. */
interface Definition {
  type?: string
  char?: string
  multiple?: boolean
  multipleNonGreedy?: boolean
  delimiter?: string
  options?: readonly string[]
  default?: unknown
  allowNo?: boolean
  exclusive?: string[]
  aliases?: string[]
  charAliases?: string[]
  env?: string
  required?: boolean
  dependsOn?: string[]
  relationships?: unknown[]
  exactlyOne?: string[]
  combinable?: string[]
  parse?: (...a: never[]) => unknown
}

export interface CommandDefinition {
  flags?: Record<string, unknown>
  args?: Record<string, unknown>
  strict?: boolean
  enableJsonFlag?: boolean
}

/**
 * The spec of a command, or undefined when it is not hot-parseable. `identityParse` holds the
 * source of oclif's own pass-through parse functions (for string and boolean flags): any other is
 * the command's own and needs oclif.
 */
export function hotSpecOf(command: CommandDefinition, identityParse: string[]): CommandSpec | undefined {
  if (command.strict === false) return undefined
  const flags: Record<string, FlagSpec> = {}
  for (const [name, raw] of Object.entries(command.flags ?? {})) {
    const f = raw as Definition
    if (f.env || f.required || f.dependsOn?.length || f.relationships?.length || f.exactlyOne?.length)
      return undefined
    if (f.combinable?.length || f.charAliases?.length) return undefined
    if (f.parse && !identityParse.includes(String(f.parse))) return undefined
    if (typeof f.default === 'function') return undefined
    if (f.type !== 'boolean' && f.type !== 'option') return undefined
    flags[name] = compact({
      type: f.type,
      char: f.char,
      multiple: f.multiple || undefined,
      nonGreedy: f.multipleNonGreedy || undefined,
      delimiter: f.delimiter,
      options: f.options ? [...f.options] : undefined,
      default: f.default as FlagSpec['default'],
      allowNo: f.allowNo || undefined,
      exclusive: f.exclusive?.length ? f.exclusive : undefined,
      aliases: f.aliases?.length ? f.aliases : undefined,
    })
  }
  if (command.enableJsonFlag) flags.json = { type: 'boolean' }
  const args: ArgSpec[] = []
  for (const [name, raw] of Object.entries(command.args ?? {})) {
    const a = raw as Definition
    if (a.options || (a.parse && !identityParse.includes(String(a.parse)))) return undefined
    if (typeof a.default === 'function') return undefined
    args.push(compact({ name, default: a.default as string | undefined, required: a.required || undefined }))
  }
  return { flags, args }
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
