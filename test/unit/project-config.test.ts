import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  hasConsent,
  loadProjectConfig,
  rememberConsent,
  wideningAsks,
  withProjectConfig,
} from '../../src/config/project.js'
import { CaigedError } from '../../src/errors.js'
import { runAgent } from '../../src/flows/run-agent.js'
import { excludeArgs } from '../../src/flows/workspace/fill.js'
import { spinVariant, variantPackages } from '../../src/spins/variant.js'
import { FakeDocker, recordingIo, runOptions, testDeps } from '../support/fakes.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function projectWith(config: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-project-'))
  dirs.push(dir)
  fs.mkdirSync(path.join(dir, '.caiged'))
  fs.writeFileSync(path.join(dir, '.caiged', 'config.json'), JSON.stringify(config))
  return dir
}

describe('the project config (.caiged/config.json)', () => {
  it('is read strictly: a misspelt field is named', async () => {
    await expect(loadProjectConfig(projectWith({ defaultspin: 'qa' }))).rejects.toThrow(
      /config\.json is invalid: unknown field defaultspin\./,
    )
    await expect(loadProjectConfig(projectWith({ egress: { allow: ['bad host'] } }))).rejects.toThrow(
      /egress\.allow\.0: "bad host" is not an egress rule/,
    )
    expect(await loadProjectConfig(os.tmpdir())).toBeUndefined()
  })

  it('copy.exclude: paths inside the project, one line each; they become tar exclusions from its root', async () => {
    const loaded = await loadProjectConfig(
      projectWith({ copy: { exclude: ['data', '*.iso', 'build/cache'] } }),
    )
    expect(loaded?.config.copy?.exclude).toEqual(['data', '*.iso', 'build/cache'])
    await expect(loadProjectConfig(projectWith({ copy: { exclude: ['../up'] } }))).rejects.toThrow(
      /copy\.exclude\.0: must be a path inside the project/,
    )
    await expect(loadProjectConfig(projectWith({ copy: { exclude: ['/etc'] } }))).rejects.toThrow(
      /must be a path inside the project/,
    )
    await expect(loadProjectConfig(projectWith({ copy: { exclude: ['a\nb'] } }))).rejects.toThrow(
      /must be one line/,
    )
    expect(excludeArgs([])).toEqual([])
    expect(excludeArgs(['data'])).toEqual(['--anchored', '--exclude=data', '--exclude=./data'])
  })

  it('names what would widen the agent’s reach, and nothing else', () => {
    expect(
      wideningAsks({
        defaultSpin: 'qa',
        egress: { mode: 'locked', allow: ['a.example'] },
        resources: { memory: '2g' },
      }),
    ).toEqual([])
    expect(
      wideningAsks({
        dockerSocket: true,
        secretEnv: ['NPM_TOKEN'],
        mounts: { gh: 'rw' },
        egress: { mode: 'open' },
      }),
    ).toEqual([
      'the Docker socket (root on this machine)',
      'the secret env vars NPM_TOKEN',
      'your GitHub CLI config, writable',
      'open egress (no policy)',
    ])
  })

  it('sits under the user’s config; its egress mode only tightens it (or opens it, with consent)', () => {
    const user = {
      defaultSpin: 'dev',
      secretEnv: ['A'],
      resources: { cpus: 2 },
      egress: { mode: 'locked' as const },
    }
    expect(
      withProjectConfig(user, { defaultSpin: 'qa', secretEnv: ['B'], resources: { memory: '1g' } }),
    ).toMatchObject({
      defaultSpin: 'qa',
      secretEnv: ['A', 'B'],
      resources: { cpus: 2, memory: '1g' },
      egress: { mode: 'locked' },
    })
    expect(withProjectConfig(user, { egress: { mode: 'balanced' } }).egress?.mode).toBe('locked')
    expect(withProjectConfig({}, { egress: { mode: 'locked' } }).egress?.mode).toBe('locked')
    expect(withProjectConfig(user, { egress: { mode: 'open' } }).egress?.mode).toBe('open')
  })

  it('remembers consent per project, and asks again when the file asks for more', async () => {
    const file = path.join(projectWith({}), 'projects.json')
    expect(await hasConsent(file, '/p', ['the Docker socket'])).toBe(false)
    await rememberConsent(file, '/p', ['the Docker socket'])
    expect(await hasConsent(file, '/p', ['the Docker socket'])).toBe(true)
    expect(await hasConsent(file, '/other', ['the Docker socket'])).toBe(false)
    expect(await hasConsent(file, '/p', ['the Docker socket', 'open egress'])).toBe(false)
  })

  it('refuses a widening project config when there is no terminal to ask, before any docker call', async () => {
    const docker = new FakeDocker()
    // What the prompt does with no terminal: a CaigedError naming the flag that answers.
    const d = testDeps({ docker, io: recordingIo(new CaigedError('There is no terminal to ask on.')) })
    const workdir = projectWith({ dockerSocket: true })
    await expect(runAgent(runOptions(workdir), d)).rejects.toThrow(
      /asks for the Docker socket \(root on this machine\), which caiged gives only with your say\./,
    )
    expect(docker.calls).toEqual([])
    expect(fs.existsSync(d.paths.consentFile)).toBe(false)
  })
})

describe('a project’s extra packages', () => {
  it('make a variant of the spin, named by the package set and not the project', () => {
    const spin = { name: 'dev', hash: 'a'.repeat(64) }
    expect(spinVariant(spin)).toEqual({ ...spin, tag: 'dev', extraPackages: [] })
    expect(spinVariant(spin, [])).toEqual({ ...spin, tag: 'dev', extraPackages: [] })
    const tools = spinVariant(spin, ['tree', 'jq', 'tree'])
    expect(tools.tag).toMatch(/^dev\.pkg-[0-9a-f]{12}$/)
    expect(tools.extraPackages).toEqual(['jq', 'tree'])
    expect(tools.hash).not.toBe(spin.hash)
    // The same set in another order is the same image; another set or spin content is not.
    expect(spinVariant(spin, ['jq', 'tree'])).toEqual(tools)
    expect(spinVariant(spin, ['jq']).tag).not.toBe(tools.tag)
    expect(spinVariant({ ...spin, hash: 'b'.repeat(64) }, ['jq', 'tree']).hash).not.toBe(tools.hash)
    expect(variantPackages(['make', 'jq'], tools)).toEqual(['make', 'jq', 'tree'])
  })

  it('are validated as Debian package names before any build', async () => {
    await expect(loadProjectConfig(projectWith({ packages: ['tree', 'x; rm -rf /'] }))).rejects.toThrow(
      /packages\.1: must be a Debian package name/,
    )
    expect((await loadProjectConfig(projectWith({ packages: ['tree=2.1.0-1'] })))?.config.packages).toEqual([
      'tree=2.1.0-1',
    ])
  })
})
