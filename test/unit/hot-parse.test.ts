import fs from 'node:fs'
import path from 'node:path'
import { Flags, Parser } from '@oclif/core'
import { describe, expect, it } from 'vitest'
import { HOT_COMMANDS, hotInvocation } from '../../src/cli/hot-argv.js'
import { hotParse } from '../../src/cli/hot-parse.js'
import { COMMANDS, hotSpecs } from '../../src/commands/index.js'

const specs = hotSpecs().commands

/** What oclif makes of argv for this command: its flags (with --json, as enableJsonFlag adds it). */
async function oclifParse(id: keyof typeof COMMANDS, argv: string[]) {
  const command = COMMANDS[id] as unknown as {
    flags: Record<string, never>
    args: Record<string, never>
    enableJsonFlag?: boolean
  }
  const flags = { ...command.flags, ...(command.enableJsonFlag ? { json: Flags.boolean() } : {}) }
  try {
    const out = await Parser.parse(argv, { flags, args: command.args, strict: true })
    return { args: out.args, flags: out.flags }
  } catch {
    return 'refused'
  }
}

describe('the hot path parses as oclif does', () => {
  it('covers every command file, and every hot command is hot-parseable', () => {
    const files = fs
      .readdirSync(path.join('src', 'commands'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, '').split(path.sep).join(':'))
    expect(Object.keys(COMMANDS).sort()).toEqual(files.sort())
    for (const id of HOT_COMMANDS) expect(specs[id], id).toBeDefined()
  })

  const cases: [keyof typeof specs, string[]][] = [
    ['run', []],
    ['run', ['.', '--spin', 'dev']],
    ['run', ['/p', '--spin=dev', '--no-connect', '--json']],
    ['run', ['--spin', 'dev', '-y', '--egress', 'locked', '--recreate']],
    ['run', ['--spin', 'dev', '--secret-env', 'A,B', '--secret-env', 'C', 'proj']],
    ['run', ['--spin', 'dev', '-p', '5173', '-p3000:3001', '--publish=8080']],
    ['run', ['--spin', 'dev', '--allow-host', 'a.example,*.b.example:8443', '--deny-host', 'c.example']],
    ['run', ['--spin', 'dev', '--git-identity', 'agent', '--ssh-key', '/k', '--mount-gh-rw']],
    [
      'run',
      ['--spin', 'dev', '--pull', 'always', '--registry', '127.0.0.1:5000/x', '--opencode-version', '1.2.3'],
    ],
    ['connect', ['caiged-dev-code-app']],
    ['containers:list', []],
    ['containers:list', ['--json', '--show-session-password']],
  ]
  it.each(cases)('%s %j: the same flags and args', async (id, argv) => {
    const ours = hotParse(argv, specs[id] as NonNullable<(typeof specs)[typeof id]>)
    expect(ours).toBeDefined()
    expect(ours).toEqual(await oclifParse(id, argv))
  })

  // Each of these oclif refuses, warns about or reads its own way: the hot path leaves them to it.
  const leftToOclif: [keyof typeof specs, string[]][] = [
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
    ['connect', []],
    ['containers:list', ['extra']],
  ]
  it.each(leftToOclif)('%s %j: left to oclif', (id, argv) => {
    expect(hotParse(argv, specs[id] as NonNullable<(typeof specs)[typeof id]>)).toBeUndefined()
  })

  it('takes the version and the hot commands, and leaves help, other commands and folders to oclif', () => {
    expect(hotInvocation(['--version'])).toEqual({ kind: 'version' })
    expect(hotInvocation(['-v', 'x'])).toEqual({ kind: 'version' })
    expect(hotInvocation(['run', '.', '--spin', 'dev'])).toEqual({
      kind: 'command',
      id: 'run',
      argv: ['.', '--spin', 'dev'],
    })
    expect(hotInvocation(['containers', 'list', '--json'])).toEqual({
      kind: 'command',
      id: 'containers:list',
      argv: ['--json'],
    })
    for (const argv of [
      [],
      ['run', '--help'],
      ['run', '-h'],
      ['.', '--spin', 'dev'],
      ['containers', 'rm', 'x'],
    ])
      expect(hotInvocation(argv), argv.join(' ')).toBeUndefined()
  })
})
