/**
 * The one table that decides what is hot: tools/bundle.mjs writes it to dist/hot-spec.json at build
 * time from the commands' own flag and argument definitions (src/commands/index.ts), so they keep
 * one home. bin/run.cjs reads it to route argv (the version flags, then each hot command by the words
 * that name it) and hands it to the hot path (src/hot.ts), whose parser (hot-parse.ts) reads
 * each command's spec. Anything that parser cannot take on exactly as oclif does (a flag with its own
 * parse function, an env-backed or required flag, a relationship between flags, a variadic
 * argument) leaves the command out of the table: bin/run.cjs then hands it to oclif.
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
  /** Other names and letters of the flag: argv that uses one is left to oclif. */
  aliases?: string[]
  /** Deprecated, or read from stdin: argv that uses the flag is left to oclif (it warns, or reads). */
  oclifOnly?: boolean
}

export interface ArgSpec {
  name: string
  default?: string
  required?: boolean
  /** Without it oclif reads a missing argument from stdin when stdin is not a terminal. */
  ignoreStdin?: boolean
}

export interface CommandSpec {
  /** The words that name the command in argv: ["containers", "list"] for containers:list. */
  words: string[]
  flags: Record<string, FlagSpec>
  args: ArgSpec[]
}

/** dist/hot-spec.json. */
export interface HotSpecFile {
  /** oclif's version flags, which it takes only as the first word. */
  versionFlags: string[]
  /** Each hot command by id ("containers:list"). */
  commands: Partial<Record<string, CommandSpec>>
}

/** What bin/run.cjs routes to the hot path: "version", or a hot command's id and its own argv. */
export interface HotRoute {
  id: string
  argv: string[]
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
  deprecated?: unknown
  allowStdin?: unknown
  env?: string
  required?: boolean
  ignoreStdin?: boolean
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
 * The spec of the command `id`, or undefined when it is not hot-parseable. `identityParse` holds
 * the source of oclif's own pass-through parse functions (for string and boolean flags): any other
 * is the command's own and needs oclif.
 */
export function hotSpecOf(
  id: string,
  command: CommandDefinition,
  identityParse: string[],
): CommandSpec | undefined {
  if (command.strict === false) return undefined
  const flags: Record<string, FlagSpec> = {}
  for (const [name, raw] of Object.entries(command.flags ?? {})) {
    const f = raw as Definition
    if (f.env || f.required || f.dependsOn?.length || f.relationships?.length || f.exactlyOne?.length)
      return undefined
    if (f.combinable?.length) return undefined
    if (f.parse && !identityParse.includes(String(f.parse))) return undefined
    if (typeof f.default === 'function') return undefined
    if (f.type !== 'boolean' && f.type !== 'option') return undefined
    const aliases = [...(f.aliases ?? []), ...(f.charAliases ?? [])]
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
      aliases: aliases.length ? aliases : undefined,
      oclifOnly: f.deprecated || f.allowStdin ? true : undefined,
    })
  }
  if (command.enableJsonFlag) flags.json = { type: 'boolean' }
  const args: ArgSpec[] = []
  for (const [name, raw] of Object.entries(command.args ?? {})) {
    const a = raw as Definition
    if (a.options || a.multiple || (a.parse && !identityParse.includes(String(a.parse)))) return undefined
    if (typeof a.default === 'function') return undefined
    args.push(
      compact({
        name,
        default: a.default as string | undefined,
        required: a.required || undefined,
        ignoreStdin: a.ignoreStdin || undefined,
      }),
    )
  }
  return { words: id.split(':'), flags, args }
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
