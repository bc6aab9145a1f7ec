import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { waitForHealthy, basicAuth } from '../../src/opencode/health.js'
import { caiged, repoRoot } from '../support/cli.js'
import { docker, imageExists, imageLabels, removeImages } from '../support/docker.js'
import { describeEngine, testBaseImage } from '../support/engine.js'

const BUILD_TIMEOUT = 600_000

interface BuildJson {
  opencodeVersion: string
  images: { spin: string; image: string; action: string; reasons: string[] }[]
}

describeEngine('caiged build / bake against the real engine', () => {
  const run = randomBytes(3).toString('hex')
  const prefix = `caiged-e2e-${run}`
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-e2e-images-'))
  const env = {
    IMAGE_PREFIX: prefix,
    CAIGED_BASE_IMAGE: testBaseImage,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    CI: '1',
  }
  let opencodeVersion = ''

  beforeAll(() => fs.mkdirSync(env.XDG_CONFIG_HOME, { recursive: true }))
  afterAll(() => {
    removeImages(prefix)
    fs.rmSync(home, { recursive: true, force: true })
  })

  it(
    'builds the base once and the three built-in spins from nothing, then says they are up to date',
    async () => {
      const first = await caiged(['build', '--all'], { env })
      expect(first.exitCode, first.stderr + first.stdout).toBe(0)
      expect(first.stdout).toContain(`Built ${prefix}:dev, ${prefix}:qa, ${prefix}:security`)
      // One bake for all: the base's setup step appears under one build step id only.
      const baseSteps = new Set(
        [...first.stdout.matchAll(/#(\d+) \[[^\]]*\] RUN set -eu;\s+need=""/g)].map((m) => m[1]),
      )
      expect(baseSteps.size).toBe(1)
      for (const spin of ['dev', 'qa', 'security']) expect(imageExists(`${prefix}:${spin}`)).toBe(true)

      const again = await caiged(['build', '--all', '--json'], { env })
      expect(again.exitCode, again.stderr).toBe(0)
      const result = JSON.parse(again.stdout) as BuildJson
      opencodeVersion = result.opencodeVersion
      expect(result.images.map((i) => [i.spin, i.action])).toEqual([
        ['dev', 'up to date'],
        ['qa', 'up to date'],
        ['security', 'up to date'],
      ])
    },
    BUILD_TIMEOUT,
  )

  it('bakes the pinned OpenCode, the rendered opencode.json and the skills into the image', () => {
    expect(opencodeVersion).toMatch(/^\d+\.\d+\.\d+/)
    const out = docker([
      'run',
      '--rm',
      `${prefix}:dev`,
      'sh',
      '-c',
      'opencode --version; id -u; cat ~/.config/opencode/opencode.json; ls ~/.config/opencode/skills; command -v jq; command -v make',
    ]).split('\n')
    expect(out[0]).toBe(opencodeVersion)
    expect(Number(out[1])).toBeGreaterThan(0)
    const jsonEnd = out.indexOf('}', 2)
    const config = JSON.parse(out.slice(2, jsonEnd + 1).join('\n')) as {
      default_agent: string
      agent: object
    }
    expect(config.default_agent).toBe('dev')
    expect(Object.keys(config.agent)).toEqual(['dev'])
    expect(out.slice(jsonEnd + 1)).toEqual([
      'discover-intent',
      'safe-refactor',
      '/usr/bin/jq',
      '/usr/bin/make',
    ])
    const labels = imageLabels(`${prefix}:dev`)
    expect(labels['io.caiged.opencode-version']).toBe(opencodeVersion)
    expect(labels['io.caiged.spin']).toBe('dev')
    expect(labels['io.caiged.spin-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(labels['io.caiged.assets-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(labels['org.opencontainers.image.version']).toBe(labels['io.caiged.version'])
  })

  it('serves OpenCode with the spin as default agent and its skills, healthy, and stops on SIGTERM fast', async () => {
    const name = `${prefix}-serve`
    const password = randomBytes(16).toString('hex')
    docker(
      [
        'run',
        '-d',
        '--name',
        name,
        '--init',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '-p',
        '127.0.0.1::4096',
        '-e',
        'OPENCODE_SERVER_PASSWORD',
        `${prefix}:qa`,
      ],
      { env: { OPENCODE_SERVER_PASSWORD: password } },
    )
    try {
      const port = docker(['port', name, '4096/tcp']).split('\n')[0]?.split(':').at(-1)
      const url = `http://127.0.0.1:${port}`
      const health = await waitForHealthy(url, password, { timeoutMs: 60_000 })
      expect(health.version).toBe(opencodeVersion)
      const get = async (p: string) =>
        (await fetch(url + p, { headers: { authorization: basicAuth(password) } })).json() as Promise<unknown>
      expect(((await get('/config')) as { default_agent: string }).default_agent).toBe('qa')
      const skills = ((await get('/skill')) as { name: string }[]).map((s) => s.name)
      expect(skills).toEqual(
        expect.arrayContaining(['test-case-design', 'review-checklist', 'reliability-review']),
      )
      expect((await fetch(url + '/global/health')).status).toBe(401)
      // The image's own HEALTHCHECK (authenticated, no curl) turns healthy too.
      let status = ''
      for (let i = 0; i < 40 && status !== 'healthy'; i++) {
        status = docker(['inspect', '--format', '{{.State.Health.Status}}', name])
        if (status !== 'healthy') await new Promise((r) => setTimeout(r, 500))
      }
      expect(status).toBe('healthy')
      const started = Date.now()
      docker(['stop', name])
      expect(Date.now() - started).toBeLessThan(1500)
    } finally {
      docker(['rm', '-f', name])
    }
  }, 120_000)

  it(
    'rebuilds only the edited spin, with base steps cached and a new spin hash',
    async () => {
      const userDev = path.join(env.XDG_CONFIG_HOME, 'caiged', 'spins', 'dev')
      fs.cpSync(path.join(repoRoot, 'spins', 'dev'), userDev, { recursive: true })
      // Same content as the built-in dev spin: the content hash says it is up to date.
      const same = await caiged(['build', 'dev', '--json'], { env })
      expect((JSON.parse(same.stdout) as BuildJson).images[0]?.action, same.stdout).toBe('up to date')

      const before = imageLabels(`${prefix}:dev`)['io.caiged.spin-hash']
      fs.appendFileSync(path.join(userDev, 'AGENTS.md'), `\nEdited by the e2e test ${run}.\n`)
      const rebuilt = await caiged(['build', 'dev'], { env })
      expect(rebuilt.exitCode, rebuilt.stderr + rebuilt.stdout).toBe(0)
      expect(rebuilt.stdout).toContain(`${prefix}:dev (spin content`)
      expect(rebuilt.stdout).toMatch(/#(\d+) \[[^\]]*\] RUN set -eu;\s+need=""[\s\S]*?#\1 CACHED/)
      expect(rebuilt.stdout).not.toMatch(new RegExp(`Build base \\+ .*(qa|security)`))
      const after = imageLabels(`${prefix}:dev`)['io.caiged.spin-hash']
      expect(after).not.toBe(before)
      expect(
        docker(['run', '--rm', `${prefix}:dev`, 'tail', '-n', '1', '/home/agent/.config/opencode/AGENTS.md']),
      ).toBe(`Edited by the e2e test ${run}.`)

      const all = await caiged(['build', '--all', '--json'], { env })
      expect((JSON.parse(all.stdout) as BuildJson).images.every((i) => i.action === 'up to date')).toBe(true)
    },
    BUILD_TIMEOUT,
  )

  it(
    'installs the tools a spin declares and puts its MCP servers under "mcp"',
    async () => {
      const project = path.join(home, 'project')
      const spin = path.join(project, '.caiged', 'spins', 'tooly')
      fs.mkdirSync(path.join(spin, 'skills', 'say-hello'), { recursive: true })
      fs.writeFileSync(path.join(spin, 'AGENTS.md'), '# Tooly\n')
      fs.writeFileSync(
        path.join(spin, 'skills', 'say-hello', 'SKILL.md'),
        '---\nname: say-hello\ndescription: Use when greeting.\n---\nSay hello.\n',
      )
      fs.writeFileSync(
        path.join(spin, 'spin.yaml'),
        [
          'description: A test spin with tools.',
          'packages: [tree]',
          'mcp:',
          '  echo:',
          '    type: local',
          '    command: ["cat"]',
          '  docs:',
          '    type: remote',
          '    url: https://mcp.example.invalid/mcp',
          '    enabled: false',
        ].join('\n'),
      )
      const built = await caiged(['build', 'tooly', '--project', project], { env })
      expect(built.exitCode, built.stderr + built.stdout).toBe(0)
      const out = docker([
        'run',
        '--rm',
        `${prefix}:tooly`,
        'sh',
        '-c',
        'tree --version; cat ~/.config/opencode/opencode.json',
      ])
      expect(out.split('\n')[0]).toMatch(/^tree v\d/)
      const config = JSON.parse(out.slice(out.indexOf('{'))) as {
        mcp: Record<string, unknown>
        default_agent: string
      }
      expect(config.default_agent).toBe('tooly')
      expect(config.mcp).toEqual({
        echo: { type: 'local', command: ['cat'] },
        docs: { type: 'remote', url: 'https://mcp.example.invalid/mcp', enabled: false },
      })
    },
    BUILD_TIMEOUT,
  )

  it('never reads a target after a repeatable flag as one of its values', async () => {
    const result = await caiged(
      [
        'bake',
        '--print',
        '--cache-from',
        'type=registry,ref=example.invalid/cache',
        '--set',
        'base.args.X=1',
        'dev',
      ],
      { env },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const definition = JSON.parse(result.stdout) as {
      group: Record<string, { targets: string[] }>
      target: Record<string, { 'cache-from'?: unknown[] }>
    }
    expect(definition.group.default?.targets).toEqual(['spin-dev'])
    // One cache source per target, the flag's own: "dev" did not become a second one.
    expect(definition.target['spin-dev']?.['cache-from']).toHaveLength(1)
  }, 60_000)

  it('prints bake JSON for two platforms and a registry, and builds nothing', async () => {
    const imagesBefore = docker(['image', 'ls', '-q']).split('\n').sort()
    const started = Date.now()
    const result = await caiged(
      [
        'bake',
        '--print',
        '--platform',
        'linux/amd64,linux/arm64',
        '--push',
        '--registry',
        'example.invalid/caiged',
      ],
      { env },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
    const definition = JSON.parse(result.stdout) as {
      target: Record<string, { platforms: string[]; tags: string[]; output?: unknown }>
    }
    // Everything: the base, each spin, and the egress gateway (tagged with caiged's version only).
    expect(Object.keys(definition.target).sort()).toEqual([
      'base',
      'egress',
      'spin-dev',
      'spin-qa',
      'spin-security',
    ])
    const caigedVersion = (
      JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
    ).version
    const { egress, ...images } = definition.target
    expect(egress?.platforms).toEqual(['linux/amd64', 'linux/arm64'])
    expect(egress?.tags).toEqual([`example.invalid/caiged/${prefix}-egress:caiged${caigedVersion}`])
    for (const [name, target] of Object.entries(images)) {
      expect(target.platforms).toEqual(['linux/amd64', 'linux/arm64'])
      const short = name.replace(/^spin-/, '')
      expect(target.tags).toContain(
        `example.invalid/caiged/${prefix}-${short}:oc${opencodeVersion}-caiged${caigedVersion}`,
      )
      expect(target.tags).toContain(`example.invalid/caiged/${prefix}-${short}:oc${opencodeVersion}`)
    }
    expect(docker(['image', 'ls', '-q']).split('\n').sort()).toEqual(imagesBefore)
  }, 60_000)

  it(
    'bakes with a local cache outside its working directory (granted with --allow on this buildx)',
    async () => {
      const cache = path.join(home, 'bake cache')
      const result = await caiged(
        [
          'bake',
          'dev',
          '--cache-to',
          `type=local,dest=${cache},mode=max`,
          '--cache-from',
          `type=local,src=${cache}`,
        ],
        { env },
      )
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
      // One cache per target: two targets writing one folder race on its blobs.
      expect(fs.existsSync(path.join(cache, 'base', 'index.json'))).toBe(true)
      expect(fs.existsSync(path.join(cache, 'spin-dev', 'index.json'))).toBe(true)
      expect(result.stderr).not.toContain('additional privileges requested')
      expect(imageLabels(`${prefix}:dev`)['io.caiged.spin']).toBe('dev')
    },
    BUILD_TIMEOUT,
  )
})
