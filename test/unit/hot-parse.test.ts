import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Flags, Parser } from '@oclif/core'
import { afterEach, describe, expect, it } from 'vitest'
import { HOT_COMMANDS, type HotCommand } from '../../src/cli/hot-argv.js'
import { hotParse, type Parsed } from '../../src/cli/hot-parse.js'
import type { CommandSpec, HotRoute, HotSpecFile } from '../../src/cli/hot-spec.js'
import { COMMANDS, hotSpecs } from '../../src/commands/index.js'

const table: HotSpecFile = hotSpecs()
const { hotRoute } = createRequire(import.meta.url)('../../bin/run.cjs') as {
  hotRoute: (argv: string[], spec: HotSpecFile) => HotRoute | undefined
}

interface Definition {
  type: 'boolean' | 'option'
  char?: string
  aliases?: string[]
  charAliases?: string[]
  options?: readonly string[]
  exclusive?: string[]
}

/** A hot command's oclif definitions, with --json as enableJsonFlag adds it (Command.parse). */
function definitions(id: HotCommand) {
  const command = COMMANDS[id] as {
    flags?: Record<string, Definition>
    args?: Record<string, unknown>
    enableJsonFlag?: boolean
  }
  const flags: Record<string, Definition> = {
    ...command.flags,
    ...(command.enableJsonFlag ? { json: Flags.boolean() as Definition } : {}),
  }
  return { flags, args: command.args ?? {} }
}

const stdinWas = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
afterEach(() => {
  if (stdinWas) Object.defineProperty(process.stdin, 'isTTY', stdinWas)
  else delete (process.stdin as { isTTY?: boolean }).isTTY
  delete (globalThis as { oclif?: unknown }).oclif
})

/**
 * What oclif's Parser.parse makes of argv for this command, or "refused". `stdin` undefined: stdin
 * is a terminal; else what a pipe holds (oclif reads a missing argument from it).
 */
async function oclifParse(id: HotCommand, argv: string[], stdin?: string): Promise<Parsed | 'refused'> {
  Object.defineProperty(process.stdin, 'isTTY', { value: stdin === undefined, configurable: true })
  // oclif's own cache of what stdin held: it then reads no real stdin.
  ;(globalThis as { oclif?: unknown }).oclif = stdin === undefined ? undefined : { stdinCache: stdin }
  const { flags, args } = definitions(id)
  try {
    const out = await Parser.parse(argv, {
      flags: flags as never,
      args: args as never,
      strict: true,
    })
    return { args: out.args, flags: out.flags }
  } catch {
    return 'refused'
  }
}

const spec = (id: HotCommand): CommandSpec => table.commands[id] as CommandSpec
const ours = (id: HotCommand, argv: string[], stdin?: string) =>
  hotParse(argv, spec(id), { stdinIsTTY: () => stdin === undefined })

/** The values each option flag is given: delimiters, escapes, quotes, "=", spaces, dashes. */
const VALUES = [
  'v',
  '',
  'a,b',
  'a\\,b',
  ' a , b ',
  'a,,b',
  'a,',
  '"a.example"',
  "'a.example'",
  '"a,b"',
  '"a", \'b\'',
  'a\\b',
  'x=y',
  '=x',
  ' ',
  '-x',
  '--json',
  '-5',
  '1.2.3',
  '*.b.example:8443',
]

/** Every way argv can use one flag of a hot command, from its definition. */
function usesOf(name: string, flag: Definition): string[][] {
  const names = [`--${name}`, ...(flag.aliases ?? []).map((a) => `--${a}`)]
  const chars = [flag.char, ...(flag.charAliases ?? [])].filter((c) => c !== undefined).map((c) => `-${c}`)
  const uses: string[][] = []
  if (flag.type === 'boolean') {
    for (const n of [...names, ...chars]) uses.push([n], [n, n], [`${n}=1`], [`${n}=`], [`${n}x`])
    uses.push([`--no-${name}`], [`--${name}`, `--no-${name}`])
    return uses
  }
  const values = [...VALUES, ...(flag.options ?? []), ...(flag.options ?? []).map((o) => `${o},${o}`)]
  for (const v of values) {
    for (const n of names) uses.push([n, v], [`${n}=${v}`], [n, v, n, 'w'], [n, 'w', `${n}=${v}`])
    for (const c of chars) uses.push([c, v], [`${c}${v}`], [`${c}=${v}`], [c, v, c, v])
  }
  for (const n of [...names, ...chars]) uses.push([n], [n, '--'], [n, '-h'])
  return uses
}

/** A plain use of a flag, to combine with others. */
function plainUse(name: string, flag: Definition): string[] {
  return flag.type === 'boolean' ? [`--${name}`] : [`--${name}`, flag.options?.[0] ?? 'v']
}

/** argv generated from every flag of a hot command, with and without positionals. */
function generated(id: HotCommand): string[][] {
  const { flags } = definitions(id)
  const positionals = [[], ['DIR'], ['DIR', 'EXTRA'], ['-'], ['--', 'DIR'], ['--help']]
  const cases: string[][] = [...positionals]
  for (const [name, flag] of Object.entries(flags))
    for (const use of usesOf(name, flag)) for (const p of positionals.slice(0, 2)) cases.push([...p, ...use])
  // Every pair of flags (the exclusive ones among them), in both orders.
  const entries = Object.entries(flags)
  for (const [i, [a, fa]] of entries.entries())
    for (const [b, fb] of entries.slice(i + 1))
      cases.push(
        [...plainUse(a, fa), ...plainUse(b, fb), 'DIR'],
        [...plainUse(b, fb), 'DIR', ...plainUse(a, fa)],
      )
  return cases
}

describe('the hot path parses as oclif does', () => {
  it('covers every command file, and every hot command is in the table', () => {
    const files = fs
      .readdirSync(path.join('src', 'commands'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, '').split(path.sep).join(':'))
    expect(Object.keys(COMMANDS).sort()).toEqual(files.sort())
    expect(Object.keys(table.commands).sort()).toEqual([...HOT_COMMANDS].sort())
  })

  it.each(HOT_COMMANDS)(
    '%s: argv generated from every flag parses as oclif parses it, or goes to oclif',
    async (id) => {
      const differ: unknown[] = []
      let taken = 0
      const cases = generated(id)
      for (const argv of cases) {
        // With stdin a terminal, and with a pipe (where oclif reads a missing argument from it).
        for (const stdin of [undefined, 'PIPED']) {
          const hot = ours(id, argv, stdin)
          if (hot === undefined) continue
          taken++
          const oclif = await oclifParse(id, argv, stdin)
          if (!isEqual(hot, oclif)) differ.push({ argv, stdin, hot, oclif })
        }
      }
      expect(differ, `${differ.length} of the ${taken} argv taken (of ${cases.length * 2})`).toEqual([])
      // The hot path takes each flag as people type it, unless oclif must warn about it.
      const { flags } = definitions(id)
      for (const [name, flag] of Object.entries(flags)) {
        const argv = [...plainUse(name, flag), ...(id === 'connect' ? ['NAME'] : [])]
        if (!spec(id).flags[name]?.oclifOnly) expect(ours(id, argv), argv.join(' ')).toBeDefined()
      }
    },
  )

  // What people type, and what once parsed differently (docs/design review 2026-12, §2.4): taken,
  // and the same as oclif's.
  const taken: [HotCommand, string[]][] = [
    ['run', ['.', '--spin', 'dev']],
    ['run', ['/p', '--spin=dev', '--no-connect', '--json']],
    ['run', ['.', '--spin', 'dev', '-y', '--egress', 'locked', '--recreate']],
    ['run', ['.', '--spin', 'dev', '--secret-env', 'A,B', '--secret-env', 'C']],
    ['run', ['.', '--spin', 'dev', '--secret-env', 'A\\,B']],
    ['run', ['.', '--spin', 'dev', '--allow-host', '"a.example"']],
    ['run', ['.', '--spin', 'dev', '-p', '5173', '-p3000:3001', '-p=8080', '--publish=8081']],
    ['run', ['.', '--spin', 'dev', '--allow-host', 'a.example,*.b.example:8443', '--deny-host', 'c.example']],
    ['run', ['.', '--spin', 'dev', '--git-identity', 'agent', '--ssh-key', '/k', '--mount-gh-rw']],
    ['run', ['.', '--spin', 'dev', '--pull', 'always', '--registry', '127.0.0.1:5000/x']],
    ['connect', ['caiged-dev-code-app']],
    ['containers:list', []],
    ['containers:list', ['--json', '--show-session-password']],
  ]
  it.each(taken)('%s %j: taken, as oclif parses it', async (id, argv) => {
    const hot = ours(id, argv)
    expect(hot).toBeDefined()
    expect(hot).toEqual(await oclifParse(id, argv))
  })

  // Each of these oclif refuses, warns about, shows help for or reads its own way.
  const leftToOclif: [HotCommand, string[], string?][] = [
    ['run', ['--spin', 'dev'], 'DIR'],
    ['run', ['--spin']],
    ['run', ['--spin', 'dev', '--spin', 'qa']],
    ['run', ['--nope']],
    ['run', ['--egress', 'wide']],
    ['run', ['--ssh-key', '/k', '--ssh-agent']],
    ['run', ['a', 'b']],
    ['run', ['--force-build']],
    ['run', ['--yes=1']],
    ['run', ['-yx']],
    ['run', ['--spin', '-x']],
    ['run', ['--spin=--json']],
    ['run', ['--help']],
    ['run', ['.', '-h']],
    ['connect', []],
    ['containers:list', ['extra']],
  ]
  it.each(leftToOclif)('%s %j (stdin %s): left to oclif', (id, argv, stdin) => {
    expect(ours(id, argv, stdin)).toBeUndefined()
  })

  it('reads the folder from a pipe as oclif does: by leaving it to oclif', async () => {
    expect(await oclifParse('run', ['--spin', 'dev'], '/piped')).toMatchObject({
      args: { workdir: '/piped' },
    })
    expect(ours('run', ['--spin', 'dev'], '/piped')).toBeUndefined()
    expect(ours('run', ['--spin', 'dev'])).toEqual({ args: { workdir: '.' }, flags: { spin: 'dev' } })
  })
})

describe('the one routing table (dist/hot-spec.json), as bin/run.cjs reads it', () => {
  it('takes the version and the hot commands by their words, and leaves the rest to oclif', () => {
    expect(hotRoute(['--version'], table)).toEqual({ id: 'version', argv: [] })
    expect(hotRoute(['-v', 'x'], table)).toEqual({ id: 'version', argv: ['x'] })
    expect(hotRoute(['run', '.', '--spin', 'dev'], table)).toEqual({
      id: 'run',
      argv: ['.', '--spin', 'dev'],
    })
    expect(hotRoute(['connect', 'x'], table)).toEqual({ id: 'connect', argv: ['x'] })
    expect(hotRoute(['containers', 'list', '--json'], table)).toEqual({
      id: 'containers:list',
      argv: ['--json'],
    })
    for (const argv of [
      [],
      ['.', '--spin', 'dev'],
      ['containers'],
      ['containers', 'rm', 'x'],
      ['runs'],
      ['x', '-v'],
    ])
      expect(hotRoute(argv, table), argv.join(' ')).toBeUndefined()
  })

  it('names each hot command by its oclif id’s words', () => {
    for (const id of HOT_COMMANDS) expect(spec(id).words).toEqual(id.split(':'))
  })
})

function isEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b)
    return true
  } catch {
    return false
  }
}
