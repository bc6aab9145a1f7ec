import { execFileSync } from 'node:child_process'
import net from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

/** Dev servers the agent starts, reached on 127.0.0.1 of the host through run --publish. */
describeEngine('dev-server ports: run --publish and containers port', () => {
  let world: ReturnType<typeof e2eWorld>
  let gated = ''
  let open = ''
  const run = async (project: string, extra: string[]) => {
    const result = await caiged(['run', project, '--spin', 'dev', '--no-connect', '--json', ...extra], {
      env: world.env,
    })
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0)
    return (JSON.parse(result.stdout) as { name: string }).name
  }
  /** A dev server in the agent, on 0.0.0.0 as dev servers must be (Bun, inside OpenCode's binary). */
  const serve = (name: string, port: number) =>
    docker([
      'exec',
      '-d',
      '-e',
      'BUN_BE_BUN=1',
      name,
      'opencode',
      '-e',
      `Bun.serve({ port: ${port}, hostname: '0.0.0.0', fetch: () => new Response('dev server ${port}') }); setInterval(() => {}, 1000)`,
    ])
  const answer = async (hostPort: number) => {
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(1000) })
        if (r.ok) return await r.text()
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    return 'no answer'
  }

  beforeAll(async () => {
    world = e2eWorld('ports')
    gated = await run(world.project('gated'), ['--publish', '8080', '--publish', '5173:18573'])
    open = await run(world.project('open'), ['--egress', 'open', '-p', '8081'])
    serve(gated, 8080)
    serve(gated, 5173)
    serve(open, 8081)
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('reaches the agent’s dev servers on 127.0.0.1 only, behind its gateway and with egress open', async () => {
    expect(await answer(8080)).toBe('dev server 8080')
    expect(await answer(18573)).toBe('dev server 5173')
    expect(await answer(8081)).toBe('dev server 8081')
    const listening = execFileSync('ss', ['-Hltn'], { encoding: 'utf8' })
    for (const port of [8080, 18573, 8081]) {
      expect(listening).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\s`))
      expect(listening).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${port}\\s`))
    }
  }, 60_000)

  it('containers port says where each port is; containers list shows them', async () => {
    const ports = await caiged(['containers', 'port', gated, '--json'], { env: world.env })
    expect(ports.exitCode, ports.stderr).toBe(0)
    expect(JSON.parse(ports.stdout)).toEqual([
      { container: 4096, host: expect.any(Number), what: 'OpenCode server' },
      { container: 5173, host: 18573, what: 'published' },
      { container: 8080, host: 8080, what: 'published' },
    ])
    const one = await caiged(['containers', 'port', gated, '5173'], { env: world.env })
    expect(one.stdout).toBe('127.0.0.1:18573')
    const missing = await caiged(['containers', 'port', gated, '9999'], { env: world.env })
    expect(missing.exitCode).toBe(5)
    expect(missing.stderr).toContain(`Port 9999 of ${gated} is not published.`)
    const list = JSON.parse((await caiged(['containers', 'list', '--json'], { env: world.env })).stdout) as {
      name: string
      published: unknown[]
    }[]
    expect(list.find((r) => r.name === gated)?.published).toEqual([
      { container: 5173, host: 18573 },
      { container: 8080, host: 8080 },
    ])
  }, 60_000)

  it('says a host port that is taken, and moves nothing: no container is made', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1')
    await new Promise((r) => squatter.once('listening', r))
    const taken = (squatter.address() as net.AddressInfo).port
    try {
      const result = await caiged(
        ['run', world.project('taken'), '--spin', 'dev', '--no-connect', '--publish', `3000:${taken}`],
        { env: world.env },
      )
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toContain(
        `Cannot publish port 3000 on 127.0.0.1:${taken}: that port is taken on this machine.`,
      )
      expect(docker(['ps', '-aq', '--filter', `name=^${world.prefix}-dev-projects-taken`])).toBe('')
    } finally {
      squatter.close()
    }
  }, 60_000)
})
