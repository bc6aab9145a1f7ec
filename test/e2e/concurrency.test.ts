import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

/** How often each race is run in a row: a race that passes once may still lose one time in ten. */
const ROUNDS = 20

describeEngine('concurrency: racing commands on one container, on the real engine', () => {
  let world: ReturnType<typeof e2eWorld>
  const run = (project: string, extra: string[] = []) =>
    caiged(['run', project, '--spin', 'dev', '--no-connect', '--json', ...extra], { env: world.env })
  const containersNamed = (name: string) =>
    docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.ID}} {{.State}}'])
      .split('\n')
      .filter(Boolean)
  /** What a failed command said: its "Error:" line, or under --json the error object's message. */
  const said = (r: { stdout: string; stderr: string }) => {
    if (r.stdout.trimStart().startsWith('{')) {
      const json = JSON.parse(r.stdout) as { error?: { message: string; suggestions?: string[] } }
      if (json.error) return `Error: ${json.error.message}\nHint: ${json.error.suggestions?.join(' ') ?? ''}`
    }
    return r.stderr
  }
  /** A failure a user can read: one "Error:" sentence, never a bug report or a stack trace. */
  const expectTruthfulFailure = (r: { stdout: string; stderr: string }) => {
    expect(said(r)).toMatch(/^Error: /m)
    expect(said(r)).not.toMatch(/Unexpected error|\n\s+at /)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  }

  beforeAll(async () => {
    world = e2eWorld('race')
    const built = await caiged(['build', 'dev'], { env: world.env })
    expect(built.exitCode, built.stderr).toBe(0)
  }, 600_000)
  afterAll(() => world?.cleanup())

  it(`two runs of one project at once, ${ROUNDS} times: both succeed, one container, one port and password`, async () => {
    const project = world.project('twins')
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await Promise.all([run(project), run(project)])
      expect(a.exitCode, `round ${round}: ${a.stderr} ${a.stdout}`).toBe(0)
      expect(b.exitCode, `round ${round}: ${b.stderr} ${b.stdout}`).toBe(0)
      const ra = JSON.parse(a.stdout) as RunJson
      const rb = JSON.parse(b.stdout) as RunJson
      expect(rb.name).toBe(ra.name)
      expect(rb.port).toBe(ra.port)
      // One of them made it; the other found it (created, started or already running).
      expect([ra.action, rb.action]).toContain('created')
      expect(containersNamed(ra.name)).toHaveLength(1)
      const health = await fetch(`${ra.url}/global/health`, {
        headers: { authorization: basicAuth(world.password(ra.name)) },
      })
      expect(health.status).toBe(200)
      // The next round races a create again.
      docker(['rm', '-f', ra.name])
    }
  }, 900_000)

  it(`run, stop, rm and stop-all racing on one container, ${ROUNDS} times: each says truthfully what it did`, async () => {
    const project = world.project('melee')
    for (let round = 0; round < ROUNDS; round++) {
      const first = await run(project)
      expect(first.exitCode, first.stderr).toBe(0)
      const { name } = JSON.parse(first.stdout) as RunJson
      const [r, stop, rm, stopAll] = await Promise.all([
        run(project),
        caiged(['containers', 'stop', name], { env: world.env }),
        caiged(['containers', 'rm', '--force', name], { env: world.env }),
        caiged(['containers', 'stop-all'], { env: world.env }),
      ])
      for (const result of [r, stop, rm, stopAll]) if (result.exitCode !== 0) expectTruthfulFailure(result)
      // rm reports what happened to the container it looked at: removed, or already gone.
      if (rm.exitCode === 0) expect(rm.stdout).toMatch(new RegExp(`(Removed|${name} was already removed)`))
      const after = containersNamed(name)
      expect(after.length).toBeLessThanOrEqual(1)
      // Only run starts a container: a running one means run said it succeeded.
      if (after[0]?.endsWith(' running')) expect(r.exitCode, r.stderr).toBe(0)
      // Gone means some rm removed it (this one, or run lost it to rm and said so).
      if (after.length === 0) expect(rm.exitCode === 0 || r.exitCode !== 0).toBe(true)
      // Whatever the outcome, the next run brings the project back with its sessions volume.
      const again = await run(project)
      expect(again.exitCode, `round ${round}: ${again.stderr}`).toBe(0)
      expect(docker(['volume', 'ls', '--filter', `name=^${name}-data$`, '--format', '{{.Name}}'])).toBe(
        `${name}-data`,
      )
    }
  }, 900_000)

  it('two folders that derive one name are two projects: the second is refused, the first untouched', async () => {
    const work = path.join(world.root, 'projects', 'work', 'code', 'app')
    const play = path.join(world.root, 'projects', 'play', 'code', 'app')
    for (const dir of [work, play]) fs.mkdirSync(dir, { recursive: true })
    if (process.getuid?.() === 0) for (const dir of [work, play]) fs.chownSync(dir, 1000, 1000)
    const made = await run(work)
    expect(made.exitCode, made.stderr).toBe(0)
    const { name } = JSON.parse(made.stdout) as RunJson
    const before = containersNamed(name)
    for (const extra of [[], ['--recreate'], ['--yes', '--rebuild-images']]) {
      const other = await run(play, extra)
      expect(other.exitCode).toBe(2)
      expect(said(other)).toContain(
        `Error: The container name ${name} belongs to the project at ${work}, not to ${play}`,
      )
      expect(said(other)).toContain('--project NAME')
      expect(containersNamed(name)).toEqual(before)
    }
    const own = await run(play, ['--project', 'play-app'])
    expect(own.exitCode, own.stderr).toBe(0)
    expect((JSON.parse(own.stdout) as RunJson).name).not.toBe(name)
  }, 300_000)
})
