import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { parseEnvFile, readEnvFile } from '../../src/host/env-file.js'
import { thrown } from '../support/thrown.js'

describe('parseEnvFile: docker --env-file rules (docker/cli opts/file.go)', () => {
  const env = { FROM_SHELL: 'shell value', EMPTY_IN_SHELL: '' }

  it.each([
    ['NAME=value', 'A=1', { A: '1' }],
    ['a BOM on the first line is dropped', '\uFEFFA=1\nB=2', { A: '1', B: '2' }],
    ['# lines are comments', '# A=1\nB=2', { B: '2' }],
    ['an indented # line is a comment too', '   # A=1\nB=2', { B: '2' }],
    ['a # later in a line is part of the value', 'A=1 # not a comment', { A: '1 # not a comment' }],
    ['blank and whitespace-only lines are skipped', '\n   \n\t\nA=1\n\n', { A: '1' }],
    ['leading whitespace of a line is trimmed', '  \tA=1', { A: '1' }],
    ['the value is split at the first "="', 'A=b=c', { A: 'b=c' }],
    ['an empty value is a value', 'A=', { A: '' }],
    ['quotes are kept, raw', `A="quoted value"\nB='single'`, { A: '"quoted value"', B: "'single'" }],
    ['spaces in and around the value are kept', 'A= spaced  value  ', { A: ' spaced  value  ' }],
    ['CRLF line ends lose their CR only', 'A=1\r\nB=2 \r\n', { A: '1', B: '2 ' }],
    ['a bare NAME takes its value from env', 'FROM_SHELL', { FROM_SHELL: 'shell value' }],
    ['a bare NAME empty in env is empty', 'EMPTY_IN_SHELL', { EMPTY_IN_SHELL: '' }],
    ['a bare NAME unset in env is left out', 'NOT_SET\nA=1', { A: '1' }],
    ['a later line wins', 'A=1\nA=2', { A: '2' }],
    ['__proto__ is a name like any other', '__proto__=x\nconstructor', { ['__proto__']: 'x' }],
    ['nothing at all', '', {}],
  ])('%s', (_rule, text, expected) => {
    expect(parseEnvFile(text, env)).toEqual(expected)
  })

  it.each([
    ['whitespace inside the name', 'A=1\nMY VAR=x', 2, 'holds whitespace'],
    ['whitespace after the name', 'A=1\n\nB =x', 3, 'holds whitespace'],
    ['a bare name with trailing whitespace', 'FROM_SHELL ', 1, 'holds whitespace'],
    ['no name before "="', '# c\n=x', 2, 'has no name before it'],
    ['a name that is no env variable name', '1A=x', 1, 'is not an env variable name'],
    ['a name with a dash', 'MY-VAR=x', 1, 'is not an env variable name'],
  ])('refuses %s, naming the line (exit 2)', (_what, text, line, says) => {
    const error = thrown(() => parseEnvFile(text, env, 'the secret env file /s.env'))
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.message).toContain(`line ${line} of the secret env file /s.env`)
    expect(error.message).toContain(says)
    expect(error.hint).toBeTruthy()
  })

  it('never echoes the line: a value typed without its name stays out of the message', () => {
    const error = thrown(() => parseEnvFile('sk-live secret', env))
    expect(error.message).not.toContain('sk-live')
    expect(error.message).toContain('line 1 of the env file')
  })

  it('drops a BOM on the first line only', () => {
    expect(() => parseEnvFile('A=1\n\uFEFFB=2', env)).toThrow('line 2')
  })
})

describe('readEnvFile', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
  })
  const fileWith = (content: string | Buffer) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-env-file-'))
    dirs.push(dir)
    const file = path.join(dir, 'secrets.env')
    fs.writeFileSync(file, content)
    return file
  }

  it('reads a file, BOM and all, as docker does', async () => {
    const file = fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('A=1\nB\n')]))
    expect(await readEnvFile(file, { B: 'from env' })).toEqual({ A: '1', B: 'from env' })
  })

  it('names the file in its errors', async () => {
    const file = fileWith('A B=1\n')
    await expect(readEnvFile(file, {})).rejects.toThrow(`line 1 of the secret env file ${file}`)
  })

  it('refuses what is not UTF-8, as docker does', async () => {
    const file = fileWith(Buffer.from([0x41, 0x3d, 0xff, 0x0a]))
    await expect(readEnvFile(file, {})).rejects.toThrow(`The secret env file ${file} is not UTF-8 text.`)
  })
})
