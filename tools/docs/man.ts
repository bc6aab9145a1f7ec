import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod/v3'
import { EXIT_CODE_MEANINGS } from '../../src/errors.js'
import { ENVIRONMENT, FILES } from '../../src/paths.js'

/**
 * Man pages, generated from oclif.manifest.json (oclif has no man-page generator; `oclif readme`
 * writes docs/commands/). Pure but for reading the bin name: the manifest and package
 * facts come in, text comes out (generate.ts does the I/O), so the same manifest always gives
 * byte-identical pages: no dates, no locale-dependent sorting. The ENVIRONMENT, FILES and EXIT
 * STATUS sections come from the code's own tables (src/paths.ts, src/errors.ts).
 */

/**
 * The repository: the nearest folder above this file with a package.json (it runs from
 * tools/docs/ in tests and from dist-tools/tools/docs/ in the build; it is never shipped).
 */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!fs.existsSync(path.join(dir, 'package.json')) || dir.endsWith('dist-tools')) {
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('no package.json above tools/docs')
    dir = parent
  }
  return dir
})()

const FlagSchema = z.object({
  name: z.string(),
  char: z.string().optional(),
  description: z.string().optional(),
  summary: z.string().optional(),
  type: z.enum(['boolean', 'option']),
  required: z.boolean().optional(),
  multiple: z.boolean().optional(),
  allowNo: z.boolean().optional(),
  default: z.unknown().optional(),
  options: z.array(z.string()).optional(),
  helpValue: z.union([z.string(), z.array(z.string())]).optional(),
  env: z.string().optional(),
  hidden: z.boolean().optional(),
  aliases: z.array(z.string()).optional(),
  deprecateAliases: z.boolean().optional(),
})

const ArgSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  options: z.array(z.string()).optional(),
  hidden: z.boolean().optional(),
})

const ExampleSchema = z.union([z.string(), z.object({ command: z.string(), description: z.string() })])

const CommandSchema = z.object({
  id: z.string(),
  summary: z.string().optional(),
  description: z.string().optional(),
  usage: z.union([z.string(), z.array(z.string())]).optional(),
  examples: z.union([ExampleSchema, z.array(ExampleSchema)]).optional(),
  flags: z.record(z.string(), FlagSchema).optional(),
  args: z.record(z.string(), ArgSchema).optional(),
  aliases: z.array(z.string()).optional(),
  strict: z.boolean().optional(),
  hidden: z.boolean().optional(),
  pluginName: z.string().optional(),
  pluginType: z.string().optional(),
})

export const ManifestSchema = z.object({
  version: z.string().optional(),
  commands: z.record(z.string(), CommandSchema),
})

export type Manifest = z.infer<typeof ManifestSchema>
export type ManifestCommand = z.infer<typeof CommandSchema>
type Flag = z.infer<typeof FlagSchema>
type Arg = z.infer<typeof ArgSchema>

/** The command's name, as package.json's oclif.bin gives it. */
export const BIN: string = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { oclif: { bin: string } }
).oclif.bin

/** Exit codes as src/errors.ts defines and explains them. */
const EXIT_STATUS: [string, string][] = [
  ['0', 'Success.'],
  ...Object.entries(EXIT_CODE_MEANINGS).map(([code, text]): [string, string] => [code, text]),
]

// ---------------------------------------------------------------------------------------------
// Manifest helpers

/** `containers:stop-all` → `containers stop-all` (the topic separator is a space). */
export function displayId(id: string): string {
  return id.replaceAll(':', ' ')
}

/** `containers:stop-all` → `caiged-containers-stop-all`, the man page's name. */
export function pageName(id: string): string {
  return `${BIN}-${id.replace(/[\s:]+/g, '-')}`
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Every command that is not hidden, sorted by its id as typed (locale-independent). */
export function visibleCommands(manifest: Manifest): ManifestCommand[] {
  return Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => byCodeUnit(displayId(a.id), displayId(b.id)))
}

function visibleFlags(cmd: ManifestCommand): Flag[] {
  return Object.values(cmd.flags ?? {}).filter((f) => !f.hidden)
}

function visibleArgs(cmd: ManifestCommand): Arg[] {
  return Object.values(cmd.args ?? {}).filter((a) => !a.hidden)
}

/** oclif's `<%= config.bin %>` and `<%= command.id %>` templates. */
function fillTemplate(text: string, cmd: ManifestCommand): string {
  return text
    .replace(/<%[=-]\s*config\.bin\s*%>/g, BIN)
    .replace(/<%[=-]\s*command\.id\s*%>/g, displayId(cmd.id))
}

function examplesOf(cmd: ManifestCommand): { command: string; description?: string }[] {
  const list = cmd.examples === undefined ? [] : Array.isArray(cmd.examples) ? cmd.examples : [cmd.examples]
  return list.map((e) =>
    typeof e === 'string'
      ? { command: fillTemplate(e, cmd) }
      : { command: fillTemplate(e.command, cmd), description: fillTemplate(e.description, cmd) },
  )
}

function valueName(flag: Flag): string {
  if (typeof flag.helpValue === 'string') return flag.helpValue
  if (Array.isArray(flag.helpValue)) return flag.helpValue.join(' ')
  return 'VALUE'
}

function defaultText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === false) return undefined
  if (Array.isArray(value)) return value.length ? value.map(String).join(', ') : undefined
  if (typeof value === 'object') return undefined
  return String(value)
}

/** Plain-text facts shown after a flag's description. */
function flagNotes(flag: Flag): string[] {
  const notes: string[] = []
  if (flag.required) notes.push('Required.')
  if (flag.multiple && !/repeatable/i.test(flag.description ?? '')) notes.push('Repeatable.')
  if (flag.options?.length) notes.push(`One of: ${flag.options.join(', ')}.`)
  const def = flag.type === 'option' ? defaultText(flag.default) : undefined
  if (def !== undefined) notes.push(`[default: ${def}]`)
  if (flag.env) notes.push(`[env: ${flag.env}]`)
  if (flag.aliases?.length) {
    const names = flag.aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)).join(', ')
    notes.push(`Alias: ${names}${flag.deprecateAliases ? ' (deprecated)' : ''}.`)
  }
  return notes
}

function argNotes(arg: Arg): string[] {
  const notes: string[] = []
  if (arg.required) notes.push('Required.')
  if (arg.options?.length) notes.push(`One of: ${arg.options.join(', ')}.`)
  const def = defaultText(arg.default)
  if (def !== undefined) notes.push(`[default: ${def}]`)
  return notes
}

/** Arguments as usage words: NAME, [NAME], and a trailing "..." when more are taken (strict false). */
function argWords(cmd: ManifestCommand): string[] {
  const args = visibleArgs(cmd)
  return args.map((a, i) => {
    const more = cmd.strict === false && i === args.length - 1 ? '...' : ''
    const word = a.name.toUpperCase() + more
    return a.required ? word : `[${word}]`
  })
}

function customUsage(cmd: ManifestCommand): string[] | undefined {
  if (cmd.usage === undefined) return undefined
  const list = Array.isArray(cmd.usage) ? cmd.usage : [cmd.usage]
  return list.map((u) => {
    const filled = fillTemplate(u, cmd)
    return filled.startsWith(`${BIN} `) ? filled : `${BIN} ${filled}`
  })
}

// ---------------------------------------------------------------------------------------------
// roff

/** Text for roff: backslashes, hyphens (so flags copy and paste as typed) and non-ASCII escaped. */
function roffInline(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .replace(/[^\x20-\x7e]/gu, (ch) => {
      const cp = ch.codePointAt(0) ?? 0x3f
      return `\\[u${cp.toString(16).toUpperCase().padStart(4, '0')}]`
    })
}

/** A line of roff input: escaped, and protected from being read as a request if it starts with . or '. */
function roffLine(text: string): string {
  const escaped = roffInline(text)
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped
}

/** Filled prose: leading blanks dropped (they would break lines), blank lines become paragraphs. */
function roffProse(text: string): string[] {
  const out: string[] = []
  for (const raw of text.replace(/\t/g, ' ').split('\n')) {
    const line = raw.trim()
    if (line === '') {
      if (out.length && out[out.length - 1] !== '.PP') out.push('.PP')
    } else {
      out.push(roffLine(line))
    }
  }
  while (out[out.length - 1] === '.PP') out.pop()
  return out
}

/** Verbatim lines (examples): no filling, indentation kept. */
function roffVerbatim(text: string): string[] {
  return ['.RS 4', '.nf', ...text.replace(/\t/g, '    ').split('\n').map(roffLine), '.fi', '.RE']
}

function roffBold(text: string): string {
  return `\\fB${roffInline(text)}\\fR`
}

function roffItalic(text: string): string {
  return `\\fI${roffInline(text)}\\fR`
}

function roffHeader(name: string, version: string): string[] {
  // No date: the same manifest must always give the same bytes.
  return [
    `.TH ${roffInline(name.toUpperCase())} 1 "" "${BIN} ${roffInline(version)}" "${BIN} manual"`,
    '.\\" Generated from oclif.manifest.json by src/docs/generate.ts. Do not edit.',
    // Flags must not be hyphenated at line ends, and ragged-right keeps the synopsis readable.
    '.nh',
    '.ad l',
  ]
}

function roffName(name: string, summary: string): string {
  return `${roffInline(name)} \\- ${roffInline(summary.trim().replace(/\.$/, ''))}`
}

/** `-c, --name VALUE` in bold and italics for SYNOPSIS and OPTIONS. */
function roffFlag(flag: Flag, short = true): string {
  const long = roffBold(`--${flag.allowNo ? '[no-]' : ''}${flag.name}`)
  const name = short && flag.char ? `${roffBold(`-${flag.char}`)}, ${long}` : long
  return flag.type === 'option' ? `${name} ${roffItalic(valueName(flag))}` : name
}

function roffSynopsis(cmd: ManifestCommand): string[] {
  const custom = customUsage(cmd)
  if (custom) return custom.flatMap((u, i) => [...(i ? ['.br'] : []), roffLine(u)])
  const lines = [`.B ${roffInline(`${BIN} ${displayId(cmd.id)}`)}`]
  for (const word of argWords(cmd)) {
    const bare = word.replace(/^\[|\]$/g, '')
    lines.push(word.startsWith('[') ? `[${roffItalic(bare)}]` : roffItalic(bare))
  }
  for (const flag of visibleFlags(cmd)) {
    const shown = flag.char ? `${roffBold(`-${flag.char}`)}|${roffFlag(flag, false)}` : roffFlag(flag, false)
    const repeat = flag.multiple ? '...' : ''
    lines.push(flag.required ? `${shown}${repeat}` : `[${shown}]${repeat}`)
  }
  return lines
}

function seeAlso(pages: string[]): string[] {
  return pages.map((p, i) => `.BR ${roffInline(p)} (1)${i < pages.length - 1 ? ',' : ''}`)
}

function commandPage(cmd: ManifestCommand, version: string): string {
  const name = pageName(cmd.id)
  const summary = cmd.summary ?? cmd.description?.split('\n')[0] ?? ''
  const lines = [...roffHeader(name, version), '.SH NAME', roffName(name, summary), '.SH SYNOPSIS']
  lines.push(...roffSynopsis(cmd))

  lines.push('.SH DESCRIPTION', ...roffProse(summary))
  if (cmd.description && cmd.description.trim() !== summary.trim()) {
    lines.push('.PP', ...roffProse(fillTemplate(cmd.description, cmd)))
  }
  if (cmd.aliases?.length) {
    lines.push('.PP', roffLine(`Aliases: ${cmd.aliases.map((a) => `${BIN} ${displayId(a)}`).join(', ')}.`))
  }

  const flags = visibleFlags(cmd)
  if (flags.length) {
    lines.push('.SH OPTIONS')
    for (const flag of flags) {
      const text = [flag.description ?? flag.summary ?? '', ...flagNotes(flag)].filter(Boolean).join(' ')
      lines.push('.TP', roffFlag(flag), ...roffProse(fillTemplate(text, cmd)))
    }
  }

  const args = visibleArgs(cmd)
  if (args.length) {
    lines.push('.SH ARGUMENTS')
    for (const arg of args) {
      const text = [arg.description ?? '', ...argNotes(arg)].filter(Boolean).join(' ')
      lines.push('.TP', roffItalic(arg.name.toUpperCase()), ...roffProse(text))
    }
  }

  const examples = examplesOf(cmd)
  if (examples.length) {
    lines.push('.SH EXAMPLES')
    for (const example of examples) {
      lines.push('.PP')
      if (example.description) lines.push(...roffProse(example.description))
      lines.push(...roffVerbatim(example.command))
    }
  }

  lines.push('.SH SEE ALSO', ...seeAlso([BIN]))
  return lines.join('\n') + '\n'
}

function mainPage(manifest: Manifest, version: string, description: string): string {
  const commands = visibleCommands(manifest)
  const lines = [
    ...roffHeader(BIN, version),
    '.SH NAME',
    roffName(BIN, description.split('\n')[0] ?? ''),
    '.SH SYNOPSIS',
    `.B ${BIN}`,
    roffItalic('COMMAND'),
    `[${roffItalic('ARGUMENTS')}]`,
    `[${roffItalic('FLAGS')}]`,
    '.br',
    `.B ${BIN}`,
    roffItalic('COMMAND'),
    roffBold('--help'),
    '.br',
    `.B ${BIN}`,
    roffBold('--version'),
    '.SH DESCRIPTION',
    ...roffProse(description),
    '.PP',
    roffLine(`Each command has its own page, ${BIN}-COMMAND(1), and explains its flags with --help.`),
    '.SH COMMANDS',
  ]
  for (const cmd of commands) {
    lines.push('.TP', roffBold(`${BIN} ${displayId(cmd.id)}`), ...roffProse(cmd.summary ?? ''))
  }
  lines.push('.SH ENVIRONMENT')
  for (const [name, text] of Object.entries(ENVIRONMENT))
    lines.push('.TP', `.B ${roffInline(name)}`, roffLine(text))
  lines.push('.SH FILES')
  for (const [file, text] of FILES) lines.push('.TP', roffItalic(file), roffLine(text))
  lines.push('.SH EXIT STATUS')
  for (const [code, text] of EXIT_STATUS) lines.push('.TP', `.B ${code}`, roffLine(text))
  lines.push('.SH SEE ALSO', ...seeAlso(commands.map((c) => pageName(c.id))))
  return lines.join('\n') + '\n'
}

/**
 * File name → roff text: `caiged.1`, then `caiged-<id>.1` for every command that is not hidden
 * (topic separators become hyphens: `caiged-containers-stop-all.1`).
 */
export function manPages(manifest: Manifest, version: string, description: string): Map<string, string> {
  const pages = new Map<string, string>([[`${BIN}.1`, mainPage(manifest, version, description)]])
  for (const cmd of visibleCommands(manifest)) pages.set(`${pageName(cmd.id)}.1`, commandPage(cmd, version))
  return pages
}
