import type { CommandSpec, FlagSpec } from './hot-spec.js'

export interface Parsed {
  args: Record<string, string | undefined>
  flags: Record<string, unknown>
}

/**
 * argv parsed as oclif parses it for a command of this spec, or undefined for anything this parser
 * does not take on: oclif then parses it and says what is wrong (an unknown or repeated flag, a
 * value outside its options, a missing argument), or warns (a deprecated alias). Never a guess:
 * what it returns is what oclif returns (test/unit/hot-parse.test.ts holds the two side by side).
 */
export function hotParse(argv: readonly string[], spec: CommandSpec): Parsed | undefined {
  const byChar = new Map<string, string>()
  for (const [name, f] of Object.entries(spec.flags)) if (f.char) byChar.set(f.char, name)
  const flags: Record<string, unknown> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string
    if (token === '--' || token === '-') return undefined
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
      if (spec.flags[key]) name = key
      else if (key.startsWith('no-') && spec.flags[key.slice(3)]?.allowNo) {
        name = key.slice(3)
        negated = true
      }
    } else {
      name = byChar.get(token[1] as string)
      if (token.length > 2) inline = token.slice(2)
    }
    const flag = name === undefined ? undefined : spec.flags[name]
    if (!name || !flag) return undefined
    if (flag.type === 'boolean') {
      if (inline !== undefined || name in flags) return undefined
      flags[name] = !negated
      continue
    }
    let value = inline
    if (value === undefined) {
      value = argv[++i]
      if (value === undefined || value.startsWith('-')) return undefined
    }
    if (!take(flags, name, flag, value)) return undefined
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.exclusive?.some((other) => other in flags) && name in flags) return undefined
    if (!(name in flags) && flag.default !== undefined) flags[name] = flag.default
  }
  if (positional.length > spec.args.length) return undefined
  const args: Record<string, string | undefined> = {}
  for (const [i, arg] of spec.args.entries()) {
    const value = positional[i] ?? arg.default
    if (value === undefined && arg.required) return undefined
    args[arg.name] = value
  }
  return { args, flags }
}

/** One value of an option flag; false when oclif would refuse it. */
function take(flags: Record<string, unknown>, name: string, flag: FlagSpec, value: string): boolean {
  const values = flag.delimiter ? value.split(flag.delimiter).map((v) => v.trim()) : [value]
  if (flag.options && values.some((v) => !flag.options?.includes(v))) return false
  if (!flag.multiple) {
    if (name in flags || values.length !== 1) return false
    flags[name] = values[0]
    return true
  }
  if (!flag.nonGreedy) return false
  flags[name] = [...((flags[name] as string[] | undefined) ?? []), ...values]
  return true
}
