import type { CommandSpec, FlagSpec } from './hot-spec.js'

export interface Parsed {
  args: Record<string, string | undefined>
  flags: Record<string, unknown>
}

/** What hotParse needs to know of the process: whether stdin is a terminal (asked only if needed). */
export interface ParseContext {
  stdinIsTTY: () => boolean
}

/**
 * argv parsed as oclif's Parser.parse parses it for a command of this spec, or undefined for
 * anything this parser does not take on: oclif then parses it and says what is wrong (an unknown or
 * repeated flag, a value outside its options, a missing argument), warns (a deprecated flag or
 * alias), shows help, or reads stdin (a missing argument when stdin is not a terminal). What it
 * returns is what oclif returns: test/unit/hot-parse.test.ts generates argv from every hot flag's
 * spec and compares the two.
 */
export function hotParse(argv: readonly string[], spec: CommandSpec, ctx: ParseContext): Parsed | undefined {
  const byChar = new Map<string, string>()
  const aliases = new Set<string>()
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.char) byChar.set(f.char, name)
    for (const alias of f.aliases ?? []) aliases.add(alias)
  }
  const flags: Record<string, unknown> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string
    // Help wherever it is asked for is oclif's, as is everything after "--".
    if (token === '--' || token === '-' || token === '--help' || token === '-h') return undefined
    if (!token.startsWith('-')) {
      positional.push(token)
      continue
    }
    let name: string | undefined
    let inline: string | undefined
    let negated = false
    if (token.startsWith('--')) {
      const eq = token.indexOf('=')
      const key = eq === -1 ? token.slice(2) : token.slice(2, eq)
      inline = eq === -1 ? undefined : token.slice(eq + 1)
      if (aliases.has(key)) return undefined
      if (spec.flags[key]) name = key
      else if (key.startsWith('no-') && spec.flags[key.slice(3)]?.allowNo) {
        name = key.slice(3)
        negated = true
      }
    } else {
      const char = token[1] as string
      if (aliases.has(char)) return undefined
      name = byChar.get(char)
      // oclif takes -p5173 and -p=5173 alike.
      if (token.length > 2) inline = token.slice(token[2] === '=' ? 3 : 2)
    }
    const flag = name === undefined ? undefined : spec.flags[name]
    if (!name || !flag || flag.oclifOnly) return undefined
    if (flag.type === 'boolean') {
      if (inline !== undefined || name in flags) return undefined
      flags[name] = !negated
      continue
    }
    const value = inline ?? argv[++i]
    // A value that looks like a flag: oclif takes it or refuses it depending on the flags.
    if (value === undefined || value.startsWith('-')) return undefined
    if (!take(flags, name, flag, value)) return undefined
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.exclusive?.some((other) => other in flags) && name in flags) return undefined
    if (!(name in flags) && flag.default !== undefined) flags[name] = flag.default
  }
  if (positional.length > spec.args.length) return undefined
  const args: Record<string, string | undefined> = {}
  for (const [i, arg] of spec.args.entries()) {
    let value = positional[i]
    if (value === undefined) {
      // oclif would read it from stdin.
      if (!arg.ignoreStdin && !ctx.stdinIsTTY()) return undefined
      value = arg.default
    }
    if (value === undefined && arg.required) return undefined
    args[arg.name] = value
  }
  return { args, flags }
}

/** One value of an option flag; false when oclif would refuse it. */
function take(flags: Record<string, unknown>, name: string, flag: FlagSpec, value: string): boolean {
  const values = flag.delimiter && flag.multiple ? splitAsOclif(value, flag.delimiter) : [value]
  if (flag.options && values.some((v) => !flag.options?.includes(v))) return false
  if (!flag.multiple) {
    if (name in flags) return false
    flags[name] = values[0]
    return true
  }
  if (!flag.nonGreedy) return false
  flags[name] = [...((flags[name] as string[] | undefined) ?? []), ...values]
  return true
}

/**
 * A delimited value as oclif's parser splits it (@oclif/core lib/parser/parse.js, "multiple with
 * custom delimiter"): at each delimiter not escaped by a backslash; each part trimmed, its escaped
 * delimiters unescaped, and one pair of surrounding double, then single, quotes taken off.
 */
function splitAsOclif(value: string, delimiter: string): string[] {
  return value.split(new RegExp(`(?<!\\\\)${delimiter}`)).map((v) =>
    v
      .trim()
      .replaceAll(new RegExp(`\\\\${delimiter}`, 'g'), delimiter)
      .replace(/^"(.*)"$/, '$1')
      .replace(/^'(.*)'$/, '$1'),
  )
}
