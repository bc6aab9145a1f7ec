import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'

// Nothing here needs an engine: every spin is checked before docker is asked anything. DOCKER_HOST
// points at nothing, so a command that reached docker would fail with exit 4 instead.
const noEngine = { DOCKER_HOST: 'unix:///nonexistent/caiged-test.sock' }

let project: string
let config: string
beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-spins-'))
  config = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-config-'))
  const spin = (name: string, files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(project, '.caiged', 'spins', name, file)
      fs.mkdirSync(path.dirname(full), { recursive: true })
      fs.writeFileSync(full, content)
    }
  }
  const skill = (name: string) => `---\nname: ${name}\ndescription: Use it.\n---\nBody.\n`
  spin('noagents', { 'spin.yaml': 'description: x\n' })
  spin('badskill', { 'AGENTS.md': '# x\n', 'skills/Bad_Name/SKILL.md': skill('Bad_Name') })
  spin('unknownfield', { 'AGENTS.md': '# x\n', 'spin.yaml': 'description: x\ntools: [jq]\n' })
  spin('dupmcp', {
    'AGENTS.md': '# x\n',
    'spin.yaml':
      'description: x\nmcp:\n  a:\n    type: local\n    command: [x]\n  a:\n    type: local\n    command: [y]\n',
  })
  spin('good', { 'AGENTS.md': '# Good\n', 'skills/say-hi/SKILL.md': skill('say-hi') })
})
afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true })
  fs.rmSync(config, { recursive: true, force: true })
})

const env = () => ({ ...noEngine, XDG_CONFIG_HOME: config })

describe('caiged spins', () => {
  it('lists built-in and project spins as JSON, the project one first in precedence', async () => {
    const result = await caiged(['spins', 'list', '--json', '--project', project], { env: env() })
    expect(result.exitCode, result.stderr).toBe(0)
    const spins = JSON.parse(result.stdout) as { name: string; source: string; dir: string }[]
    const byName = Object.fromEntries(spins.map((s) => [s.name, s.source]))
    expect(byName).toMatchObject({ dev: 'built-in', qa: 'built-in', security: 'built-in', good: 'project' })
  })

  it('validates the built-in spins and a good project spin', async () => {
    const result = await caiged(['spins', 'validate', 'good', '--project', project], { env: env() })
    expect(result.exitCode, result.stdout).toBe(0)
    const all = await caiged(['spins', 'validate', 'dev'], { env: env() })
    expect(all.stdout).toMatch(/^ok\s+dev/)
  })

  it.each([
    ['noagents', /noagents\/AGENTS\.md: missing/],
    ['badskill', /badskill\/skills\/Bad_Name: folder name must match/],
    ['unknownfield', /unknownfield\/spin\.yaml: unknown field: tools/],
    ['dupmcp', /dupmcp\/spin\.yaml: line \d+: a key is given twice/],
  ])('reports what is wrong with %s: file, field and rule, exit 3', async (name, problem) => {
    const result = await caiged(['spins', 'validate', name, '--project', project], { env: env() })
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toMatch(problem)
  })
})

describe('caiged build refuses bad spins before building anything', () => {
  it.each([
    ['noagents', 3, 'Spin "noagents" is invalid: AGENTS.md: missing'],
    ['badskill', 3, 'skills/Bad_Name: folder name must match ^[a-z0-9]+(-[a-z0-9]+)*$'],
    ['unknownfield', 3, 'Spin "unknownfield" is invalid: spin.yaml: unknown field: tools'],
    ['dupmcp', 3, 'Spin "dupmcp" is invalid: spin.yaml: line 6: a key is given twice'],
    ['../x', 2, '"../x" is not a valid spin name.'],
    ['nope', 5, 'Unknown spin "nope".'],
  ])('%s: exit %i, one clear error, no stack trace', async (name, code, message) => {
    const result = await caiged(['build', name, '--project', project], { env: env() })
    expect(result.exitCode).toBe(code)
    expect(result.stderr).toContain(code === 3 && !message.startsWith('Spin') ? message : `Error: ${message}`)
    expect(result.stderr.match(/Error:/g)).toHaveLength(1)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.stdout).toBe('')
  })

  it('asks which spins when given none, and refuses a bad base image', async () => {
    const none = await caiged(['build'], { env: env() })
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain('Which spins?')
    const bad = await caiged(['build', 'dev', '--base-image', 'Not An Image'], { env: env() })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('"Not An Image" is not a valid image reference.')
  })

  it('says a --project folder that does not exist is bad input, exit 2', async () => {
    const result = await caiged(['build', 'dev', '--project', '/nonexistent/caiged'], { env: env() })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Error: Invalid --project: No directory found at /nonexistent/caiged')
    expect(result.stderr).not.toContain('bug')
  })

  it('refuses bad bake options before doing anything', async () => {
    const platform = await caiged(['bake', '--print', '--platform', 'windows/386'], { env: env() })
    expect(platform.exitCode).toBe(2)
    expect(platform.stderr).toContain('Unsupported platform "windows/386".')
    const push = await caiged(['bake', '--push'], { env: env() })
    expect(push.exitCode).toBe(2)
    expect(push.stderr).toContain('All of the following must be provided when using --push: --registry')
  })
})

describe('caiged config', () => {
  it('sets, gets, lists and unsets settings, refusing unknown keys and invalid values', async () => {
    const set = await caiged(['config', 'set', 'defaultSpin', 'qa'], { env: env() })
    expect(set.exitCode, set.stderr).toBe(0)
    expect((await caiged(['config', 'get', 'defaultSpin'], { env: env() })).stdout).toBe('qa')
    const list = await caiged(['config', 'list', '--json'], { env: env() })
    const listed = JSON.parse(list.stdout) as { settings: { key: string; value: unknown; source: string }[] }
    expect(listed.settings).toContainEqual({ key: 'defaultSpin', value: 'qa', source: 'user' })
    expect(listed.settings).toContainEqual({ key: 'egress.mode', value: 'balanced', source: 'default' })
    const unknown = await caiged(['config', 'set', 'defaultspin', 'qa'], { env: env() })
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain('Unknown setting "defaultspin".')
    const invalid = await caiged(['config', 'set', 'resources.pids', '3'], { env: env() })
    expect(invalid.exitCode).toBe(2)
    expect(invalid.stderr).toContain('Not saved: resources.pids:')
    const unset = await caiged(['config', 'set', 'defaultSpin', '--unset'], { env: env() })
    expect(unset.exitCode, unset.stderr).toBe(0)
    expect((await caiged(['config', 'get', 'defaultSpin'], { env: env() })).stdout).toBe('')
  })
})
