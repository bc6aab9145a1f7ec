import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { caiged, repoRoot } from '../support/cli.js'

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }

describe('the caiged CLI', () => {
  it('prints its version', async () => {
    const result = await caiged(['--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^caiged/${pkg.version.replaceAll('.', '\\.')} `))
  })

  it('prints the same version line as oclif itself (the hot path answers it without oclif)', async () => {
    // dist/main.js is oclif's side of the CLI: run directly, oclif answers the version flags.
    const oclif = await execa(process.execPath, [path.join(repoRoot, 'dist', 'main.js'), '--version'], {
      reject: false,
      env: { NO_COLOR: '1' },
      cwd: repoRoot,
    })
    expect(oclif.exitCode).toBe(0)
    expect(oclif.stdout).toBe(
      `caiged/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`,
    )
    for (const flag of ['--version', '-v']) {
      const hot = await caiged([flag])
      expect(hot.exitCode).toBe(0)
      expect(hot.stdout, flag).toBe(oclif.stdout)
    }
  })

  it('keeps compiled code for the hot path in the user’s cache, private, and uses it next time', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-code-cache-'))
    try {
      const env = { XDG_CACHE_HOME: cache }
      expect((await caiged(['--version'], { env })).exitCode).toBe(0)
      const dir = path.join(cache, 'caiged', 'code-cache')
      const [file] = fs.readdirSync(dir)
      expect(file).toMatch(new RegExp(`^\\d+-\\d+-\\d+-${process.version}-version\\.bin$`))
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
      const written = fs.statSync(path.join(dir, file as string))
      expect(written.mode & 0o777).toBe(0o600)
      // Taken, not rewritten, by the next run of the same command; another command keeps its own.
      expect((await caiged(['--version'], { env })).exitCode).toBe(0)
      expect(fs.statSync(path.join(dir, file as string)).mtimeMs).toBe(written.mtimeMs)
      const list = await caiged(['containers', 'list'], { env: { ...env, PATH: '/nonexistent' } })
      expect(list.stderr).toContain('Error:')
      const listFile = (file as string).replace('-version.bin', '-containers-list.bin')
      expect(fs.readdirSync(dir).sort()).toEqual([listFile, file as string].sort())
    } finally {
      fs.rmSync(cache, { recursive: true, force: true })
    }
  })

  it('lists its topics in --help', async () => {
    const result = await caiged(['--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/TOPICS[\s\S]*containers\s+List, start, stop/)
    expect(result.stdout).toMatch(/spins\s+Find and validate spins/)
    // The topic's own summary, not its first command's.
    expect(result.stdout).toMatch(/config\s+Read and write your defaults/)
    expect(result.stdout).toMatch(/COMMANDS[\s\S]*bake\s[\s\S]*build\s/)
  })

  it('takes a folder as the first word to mean run FOLDER (caiged . --spin dev)', async () => {
    const missing = path.join(os.tmpdir(), 'caiged-no-such-project')
    const result = await caiged([missing, '--spin', 'dev', '--no-connect'])
    expect(result.exitCode).toBe(5)
    expect(result.stderr).toContain(`Error: The project folder ${missing} does not exist.`)
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-cli-'))
    try {
      const here = await caiged(['.', '--spin', 'no_such'], { cwd: folder })
      expect(here.exitCode).toBe(5)
      expect(here.stderr).toContain('Error: Unknown spin "no_such".')
      expect(here.stderr).not.toContain('command . not found')
    } finally {
      fs.rmSync(folder, { recursive: true, force: true })
    }
  })

  it('says an unknown command is unknown, with a non-zero exit and no stack trace', async () => {
    const result = await caiged(['no-such-command'])
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toContain('command no-such-command not found')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('keeps the committed oclif.manifest.json in step with the commands', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      version: string
      commands: Record<string, unknown>
    }
    expect(manifest.version).toBe(pkg.version)
    const commandFiles = fs
      .readdirSync(path.join(repoRoot, 'src', 'commands'), { recursive: true })
      .map(String)
      // index.ts lists the commands for oclif's explicit strategy; it is not one.
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) =>
        f
          .replace(/\.ts$/, '')
          .replace(/(^|\/)index$/, '')
          .split(path.sep)
          .join(':'),
      )
      .sort()
    expect(Object.keys(manifest.commands).sort()).toEqual(commandFiles)
  })

  it('refuses a corrupt salt file in one line, exit 3, no stack trace', async () => {
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-cli-'))
    fs.mkdirSync(path.join(config, 'caiged'))
    fs.writeFileSync(path.join(config, 'caiged', 'salt'), 'garbage\n')
    try {
      const result = await caiged(['containers', 'list', '--show-session-password'], {
        env: { XDG_CONFIG_HOME: config, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      })
      // The engine is unreachable on purpose: the salt is checked before docker is asked anything.
      expect(result.exitCode).toBe(3)
      expect(result.stderr).toContain(`The salt file ${path.join(config, 'caiged', 'salt')} is corrupt`)
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(result.stdout).toBe('')
    } finally {
      fs.rmSync(config, { recursive: true, force: true })
    }
  })
})

describe('shell completion', () => {
  it('generates bash and zsh completion scripts that know the commands and flags', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-complete-'))
    try {
      const env = { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') }
      const built = await caiged(['autocomplete', '--refresh-cache'], { env })
      expect(built.exitCode, built.stderr).toBe(0)
      const functions = path.join(home, '.cache', 'caiged', 'autocomplete', 'functions')
      const bash = fs.readFileSync(path.join(functions, 'bash', 'caiged.bash'), 'utf8')
      const zsh = fs.readFileSync(path.join(functions, 'zsh', '_caiged'), 'utf8')
      expect(zsh.startsWith('#compdef caiged')).toBe(true)
      for (const script of [bash, zsh]) {
        expect(script).toContain('stop-all')
        expect(script).toContain('--no-connect')
      }
      for (const shell of ['bash', 'zsh']) {
        const setup = await caiged(['autocomplete', 'script', shell], { env })
        expect(setup.exitCode).toBe(0)
        expect(setup.stdout).toContain(`CAIGED_AC_${shell.toUpperCase()}_SETUP_PATH=`)
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true })
    }
  })
})
