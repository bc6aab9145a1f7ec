import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectAgent } from '../../../src/flows/connect.js'
import { gatewayCheck, runChecks } from '../../../src/flows/doctor.js'
import { Label } from '../../../src/labels.js'
import { derivePassword } from '../../../src/secrets/password.js'
import { localEngine, FakeDocker, inspectJson, recordingIo, testDeps } from '../../support/fakes.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})
const SALT = 'b'.repeat(64)
function withSalt(d: ReturnType<typeof testDeps>) {
  roots.push(d.root)
  fs.mkdirSync(path.dirname(d.paths.saltFile), { recursive: true, mode: 0o700 })
  fs.writeFileSync(d.paths.saltFile, `${SALT}\n`, { mode: 0o600 })
  return d
}
const labels = {
  [Label.managed]: 'true',
  [Label.spin]: 'dev',
  [Label.port]: '4321',
  [Label.opencodeVersion]: '1.18.33',
}

describe('connectAgent', () => {
  it('attaches with the derived password in the client’s options (never an argv), on /workspace', async () => {
    const attached: unknown[] = []
    const docker = new FakeDocker().on(
      /^container inspect -- c1 c1-egress$/,
      inspectJson({ name: 'c1', running: true, labels }),
    )
    const d = withSalt(
      testDeps({
        docker,
        hostOpencode: {
          attach: async (url, options) => {
            attached.push({ url, ...options })
            return 0
          },
        },
      }),
    )
    expect(await connectAgent({ name: 'c1' }, d)).toBe(0)
    expect(attached).toEqual([
      {
        url: 'http://127.0.0.1:4321',
        password: derivePassword('c1', SALT),
        directory: '/workspace',
        session: undefined,
      },
    ])
    // The agent and its gateway in one docker process.
    expect(docker.calls).toEqual(['container inspect -- c1 c1-egress'])
  })

  it('starts an agent that stopped itself while idle (its gateway first), says so in one line, then attaches', async () => {
    const stopped = { [Label.egress]: 'balanced', ...labels }
    const docker = new FakeDocker()
      .on(
        /^container inspect -- c1 c1-egress$/,
        inspectJson({ name: 'c1', running: false, labels: stopped, exitCode: 129 }),
      )
      .on(
        /^container inspect -- c1-egress$/,
        inspectJson({
          name: 'c1-egress',
          running: false,
          labels: { [Label.managed]: 'true', [Label.role]: 'egress', [Label.container]: 'c1' },
        }),
      )
      .on(/^start -- /, {})
    const attached: string[] = []
    const io = recordingIo()
    const d = withSalt(
      testDeps({
        docker,
        io,
        hostOpencode: {
          attach: async (url) => {
            attached.push(url)
            return 0
          },
        },
      }),
    )
    expect(await connectAgent({ name: 'c1' }, d)).toBe(0)
    expect(io.notes).toContain('Starting c1 again (it stopped itself while idle); its sessions are kept.')
    expect(io.warnings).toEqual([])
    const starts = docker.calls.filter((c) => c.startsWith('start'))
    expect(starts).toEqual(['start -- id-c1-egress', 'start -- id-c1'])
    expect(attached).toEqual(['http://127.0.0.1:4321'])
  })

  it('needs the host client before it looks at any container', async () => {
    const docker = new FakeDocker()
    const d = withSalt(testDeps({ docker, hostOpencode: { version: async () => undefined } }))
    await expect(connectAgent({ name: 'c1' }, d)).rejects.toThrow(/OpenCode is not installed/)
    expect(docker.calls).toEqual([])
  })

  it('never makes a salt: without one the password is unknown', async () => {
    const docker = new FakeDocker().on(
      /^container inspect -- c1 c1-egress$/,
      inspectJson({ name: 'c1', running: true, labels }),
    )
    const d = testDeps({ docker })
    roots.push(d.root)
    await expect(connectAgent({ name: 'c1' }, d)).rejects.toThrow(
      `The salt file ${d.paths.saltFile} is missing`,
    )
    expect(fs.existsSync(d.paths.saltFile)).toBe(false)
  })
})

describe('runChecks', () => {
  it('reports an unreachable engine as a failed check with its hint, and still checks the salt and config', async () => {
    const docker = new FakeDocker().on(/^version /, {
      exitCode: 1,
      stderr:
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    })
    const d = testDeps({ docker })
    roots.push(d.root)
    const checks = await runChecks(d)
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['opencode', 'ok'],
      ['docker', 'fail'],
      ['salt', 'ok'],
      ['config', 'ok'],
    ])
    expect(checks[1]?.detail).toMatch(/not reachable|Cannot connect/i)
  })

  it('fails an engine too old to build caiged’s images, naming the version it needs, and says where the engine is', async () => {
    const version = (server: string) =>
      JSON.stringify({
        Client: { Version: '28.2.2', ApiVersion: '1.50' },
        Server: { Version: server, ApiVersion: '1.41' },
      })
    const d = testDeps({
      docker: new FakeDocker()
        .on(/^version /, { stdout: version('20.10.24+dfsg1') })
        .on(/^buildx version/, { exitCode: 1, stderr: 'no buildx' })
        .on(/^info /, {
          stdout: JSON.stringify({ ID: 'x', Name: 'far', ServerVersion: '20.10.24', DriverStatus: [] }),
        })
        .on(/^(image ls|ps|container ls|images)/, { stdout: '' }),
      engine: {
        ...localEngine,
        label: 'far',
        endpoint: { host: 'ssh://me@far' },
        onThisMachine: async () => false,
      },
    })
    roots.push(d.root)
    const checks = await runChecks(d)
    const docker = checks.find((c) => c.name === 'docker')
    expect(docker?.status).toBe('fail')
    expect(docker?.detail).toContain("caiged's image builds need Docker 23 or newer on the engine")
    expect(docker?.fix).toContain('upgrade Docker on far')
    expect(checks.find((c) => c.name === 'engine')?.detail).toContain('far (ssh://me@far), another machine')
  })

  it('warns about a salt others can read', async () => {
    const d = withSalt(
      testDeps({
        docker: new FakeDocker().on(/^version /, {
          exitCode: 1,
          stderr: 'Cannot connect to the Docker daemon',
        }),
      }),
    )
    fs.chmodSync(d.paths.saltFile, 0o644)
    const salt = (await runChecks(d)).find((c) => c.name === 'salt')
    expect(salt?.status).toBe('warn')
    expect(salt?.fix).toBe(`chmod 600 ${d.paths.saltFile}; chmod 700 ${path.dirname(d.paths.saltFile)}`)
  })
})

describe('OpenCode 2 on the host', () => {
  const v2 = { version: async () => '2.0.3' }
  it('connect says in one sentence what caiged supports, before looking at any container', async () => {
    const docker = new FakeDocker()
    const d = withSalt(testDeps({ docker, hostOpencode: v2 }))
    await expect(connectAgent({ name: 'c1' }, d)).rejects.toMatchObject({
      sentence:
        'The OpenCode on this machine is 2.0.3, but caiged runs and attaches to OpenCode 1.x servers only.',
      hint: expect.stringContaining('npm i -g opencode-ai@1'),
    })
    expect(docker.calls).toEqual([])
  })

  it('doctor fails the opencode check with the same sentence', async () => {
    const d = testDeps({
      docker: new FakeDocker().on(/^version /, {
        exitCode: 1,
        stderr: 'Cannot connect to the Docker daemon',
      }),
      hostOpencode: v2,
    })
    roots.push(d.root)
    const check = (await runChecks(d)).find((c) => c.name === 'opencode')
    expect(check).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('OpenCode 1.x servers only'),
    })
  })
})

describe('doctor on gateways', () => {
  const agents = new Set(['caiged-dev-code-app'])

  it('reports a current gateway as the guard of its agent, not as an agent on an older image', () => {
    expect(
      gatewayCheck('caiged-dev-code-app-egress', 'caiged-dev-code-app', 'caiged:egress', agents, 'caiged'),
    ).toEqual({
      name: 'gateway',
      status: 'ok',
      detail: 'caiged-dev-code-app-egress guards caiged-dev-code-app',
    })
  })

  it('names the agent to upgrade when the gateway image moved on', () => {
    const check = gatewayCheck(
      'caiged-dev-code-app-egress',
      'caiged-dev-code-app',
      '4f1c2a9e0ffe',
      agents,
      'caiged',
    )
    expect(check.status).toBe('warn')
    expect(check.detail).toMatch(/older gateway image/)
    expect(check.fix).toMatch(/^caiged upgrade caiged-dev-code-app /)
  })

  it('says when its agent is gone, with a fix that names the gateway', () => {
    const check = gatewayCheck('caiged-qa-x-egress', 'caiged-qa-x', 'caiged:egress', agents, 'caiged')
    expect(check.status).toBe('warn')
    expect(check.fix).toMatch(/^docker rm -f caiged-qa-x-egress /)
    expect(check.fix).not.toMatch(/--spin SPIN|caiged run "\."/)
  })
})
