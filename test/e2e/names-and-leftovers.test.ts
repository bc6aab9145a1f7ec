import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { OPENCODE_V1 } from '../../src/opencode/dialect.js'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

/** What of this world's prefix the engine holds: containers, volumes and networks, by name. */
function leftovers(prefix: string): string[] {
  const named = (kind: string[]) =>
    docker([...kind, '--filter', `name=^${prefix}-`, '--format', '{{.Name}}'])
      .split('\n')
      .filter(Boolean)
  return [
    ...docker(['ps', '-a', '--filter', `name=^${prefix}-`, '--format', '{{.Names}}'])
      .split('\n')
      .filter(Boolean),
    ...named(['volume', 'ls']),
    ...named(['network', 'ls']),
  ]
}

describeEngine('names, leftovers and settings kept: a long path, a failed run, a link, an upgrade', () => {
  let world: ReturnType<typeof e2eWorld>

  beforeAll(() => {
    world = e2eWorld('nam')
  })
  afterAll(() => world?.cleanup())

  it('runs a project whose path needs a hashed name behind its gateway, and its server answers', async () => {
    // A name past the hostname limit: the agent's is hashed, and so are its gateway's and network's.
    const project = world.project(`a-project-with-a-name-long-enough-to-need-a-hash-${'x'.repeat(30)}`)
    const result = await caiged(['run', project, '--spin', 'dev', '--no-connect', '--json'], {
      env: world.env,
    })
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    const run = JSON.parse(result.stdout) as RunJson
    expect(run.egress).toBe('balanced')
    expect(run.name.length).toBeLessThanOrEqual(63)
    const gateway = docker([
      'ps',
      '--filter',
      `label=io.caiged.container=${run.name}`,
      '--filter',
      'label=io.caiged.role=egress',
      '--format',
      '{{.Names}}',
    ])
    expect(gateway).toMatch(/-egress$/)
    expect(gateway.length).toBeLessThanOrEqual(63)
    // The agent reaches its gateway by that name, and the server answers through the gateway's port.
    expect(docker(['exec', run.name, 'getent', 'hosts', gateway])).toMatch(/^\d+\.\d+\.\d+\.\d+\s/)
    const health = await fetch(`${run.url}${OPENCODE_V1.healthPath}`, {
      headers: { authorization: basicAuth(world.password(run.name)) },
    })
    expect(health.status).toBe(200)
  }, 600_000)

  it('a run that fails removes the network and volumes it made', async () => {
    const project = world.project('fails')
    // More CPUs than the engine has: docker refuses the container after caiged made its network.
    fs.mkdirSync(path.join(world.env.XDG_CONFIG_HOME as string, 'caiged'), { recursive: true })
    const config = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'config.json')
    const before = leftovers(world.prefix)
    fs.writeFileSync(config, JSON.stringify({ resources: { cpus: 512 } }))
    try {
      const result = await caiged(['run', project, '--spin', 'dev', '--no-connect', '--egress', 'open'], {
        env: world.env,
      })
      expect(result.exitCode).not.toBe(0)
      expect(result.stderr).toMatch(/docker (create|start) failed/)
      expect(result.stderr).not.toMatch(/\n\s+at /)
    } finally {
      fs.rmSync(config)
    }
    expect(leftovers(world.prefix)).toEqual(before)
  }, 600_000)

  it.each([
    ['the home folder', (home: string) => home],
    ['the whole disk', () => '/'],
    ['~/.ssh', (home: string) => path.join(home, '.ssh')],
  ])('refuses a project that is a link to %s, and makes nothing', async (_what, target) => {
    const home = world.env.HOME as string
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true })
    const links = fs.mkdtempSync(path.join(world.root, 'links-'))
    const link = path.join(links, 'p')
    fs.symlinkSync(target(home), link)
    const before = leftovers(world.prefix)
    const result = await caiged(['run', link, '--spin', 'dev', '--no-connect'], { env: world.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(`Refusing to mount ${link} (a link to `)
    expect(leftovers(world.prefix)).toEqual(before)
  })

  it('upgrade keeps the --allow-host and --deny-host rules of the latest run', async () => {
    const project = world.project('rules')
    const run = await caiged(
      [
        'run',
        project,
        '--spin',
        'dev',
        '--no-connect',
        '--json',
        '--allow-host',
        'kept.example',
        '--deny-host',
        'refused.example',
      ],
      { env: world.env },
    )
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0)
    const { name } = JSON.parse(run.stdout) as RunJson
    const flagRules = async () =>
      (
        JSON.parse((await caiged(['egress', 'rules', name, '--json'], { env: world.env })).stdout) as {
          rules: { rule: string; effect: string; source: string }[]
        }
      ).rules.filter((r) => r.source === 'flag')
    const expected = [
      { rule: 'kept.example', effect: 'allow', source: 'flag' },
      { rule: 'refused.example', effect: 'deny', source: 'flag' },
    ]
    expect(await flagRules()).toEqual(expect.arrayContaining(expected))
    const upgraded = await caiged(['upgrade', name, '--json'], { env: world.env })
    expect(upgraded.exitCode, upgraded.stderr.slice(-2000)).toBe(0)
    // Already current, it is kept as it is; either way the latest run's rules are.
    expect(JSON.parse(upgraded.stdout)).toMatchObject([{ name }])
    expect(await flagRules()).toEqual(expect.arrayContaining(expected))
  }, 600_000)
})
