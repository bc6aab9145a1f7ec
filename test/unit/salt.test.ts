import { execa } from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CaigedError, ExitCode } from '../../src/errors.js'
import { configDir, saltFile } from '../../src/paths.js'
import { loadOrCreateSalt, readSalt } from '../../src/secrets/salt.js'
import { repoRoot } from '../support/cli.js'

let home: string
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-salt-'))
})
afterEach(() => fs.rmSync(home, { recursive: true, force: true }))

describe('salt file location', () => {
  it('follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(saltFile({ HOME: '/h' })).toBe('/h/.config/caiged/salt')
    expect(saltFile({ HOME: '/h', XDG_CONFIG_HOME: '/x' })).toBe('/x/caiged/salt')
    expect(configDir({ HOME: '/h', XDG_CONFIG_HOME: 'relative' })).toBe('/h/.config/caiged')
  })
})

describe('loadOrCreateSalt', () => {
  it('creates 64 hex chars, folder 0700, file 0600, and returns the same salt afterwards', async () => {
    const file = path.join(home, 'cfg', 'caiged', 'salt')
    const salt = await loadOrCreateSalt(file)
    expect(salt).toMatch(/^[0-9a-f]{64}$/)
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(await loadOrCreateSalt(file)).toBe(salt)
    expect(fs.readdirSync(path.dirname(file))).toEqual(['salt'])
  })

  it('tightens a folder the original left at 0755', async () => {
    const dir = path.join(home, 'caiged')
    fs.mkdirSync(dir, { mode: 0o755 })
    await loadOrCreateSalt(path.join(dir, 'salt'))
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('reads an original salt file (with its trailing newline) unchanged', async () => {
    const file = path.join(home, 'salt')
    fs.writeFileSync(file, `${'c3'.repeat(32)}\n`)
    expect(await loadOrCreateSalt(file)).toBe('c3'.repeat(32))
  })

  it('refuses an empty or corrupt salt with a clear error, and never replaces it', async () => {
    const file = path.join(home, 'salt')
    for (const content of ['', 'not-a-salt\n']) {
      fs.writeFileSync(file, content)
      const error = await loadOrCreateSalt(file).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CaigedError)
      expect((error as CaigedError).exitCode).toBe(ExitCode.Config)
      expect((error as CaigedError).message).toContain(`The salt file ${file} is corrupt`)
      expect((error as CaigedError).hint).toContain('delete it')
      expect(fs.readFileSync(file, 'utf8')).toBe(content)
    }
  })

  it('returns undefined from readSalt when there is no file, without creating one', async () => {
    const file = path.join(home, 'none', 'salt')
    expect(await readSalt(file)).toBeUndefined()
    expect(fs.existsSync(path.dirname(file))).toBe(false)
  })

  it('ends with one salt when eight processes create it at once', async () => {
    const file = path.join(home, 'race', 'caiged', 'salt')
    // The compiled module (the bundle has no file per module; tsconfig.tools.json compiles src too).
    const module = path.join(repoRoot, 'dist-tools', 'src', 'secrets', 'salt.js')
    expect(fs.existsSync(module), 'run `npm run build` first: this test spawns the built module').toBe(true)
    const script = `import { loadOrCreateSalt } from ${JSON.stringify(module)}; process.stdout.write(await loadOrCreateSalt(${JSON.stringify(file)}))`
    const results = await Promise.all(
      Array.from({ length: 8 }, () => execa(process.execPath, ['--input-type=module', '-e', script])),
    )
    const salts = new Set(results.map((r) => r.stdout))
    expect(salts.size).toBe(1)
    expect([...salts][0]).toBe(fs.readFileSync(file, 'utf8').trim())
    expect(fs.readdirSync(path.dirname(file))).toEqual(['salt'])
  })
})
