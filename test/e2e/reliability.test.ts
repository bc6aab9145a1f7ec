import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MANAGED_FILTER } from '../../src/labels.js'
import { candidatePorts } from '../../src/containers/ports.js'
import { volumeName, type ContainerRequest } from '../../src/containers/request.js'
import { ContainerService } from '../../src/containers/service.js'
import { systemClock } from '../../src/deps.js'
import { Docker } from '../../src/docker/index.js'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged, caigedBin, repoRoot } from '../support/cli.js'
import { docker, imageLabels } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'
import { plainSettings } from '../support/settings.js'

describeEngine(
  'reliability: load and fault drills, each ending in a working container with its sessions',
  () => {
    let world: ReturnType<typeof e2eWorld>
    let main: RunJson
    let session: string

    const run = async (project: string, extra: string[] = []) => {
      const result = await caiged(['run', project, '--spin', 'dev', '--no-connect', '--json', ...extra], {
        env: world.env,
      })
      expect(result.exitCode, result.stderr + result.stdout).toBe(0)
      return JSON.parse(result.stdout) as RunJson
    }
    const salt = () => path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'salt')
    const get = (r: RunJson, p: string) =>
      fetch(`${r.url}${p}`, { headers: { authorization: basicAuth(world.password(r.name)) } })
    const sessionIds = async (r: RunJson) =>
      ((await (await get(r, '/session?directory=%2Fworkspace')).json()) as { id: string }[]).map((s) => s.id)
    /** After a fault: `run` brings the container back, healthy, on its port, with its session. */
    const expectRecovered = async (action: string) => {
      const again = await run(world.project('main'))
      expect(again).toMatchObject({ name: main.name, port: main.port, action })
      expect((await get(again, '/global/health')).status).toBe(200)
      expect(await sessionIds(again)).toContain(session)
    }

    beforeAll(async () => {
      world = e2eWorld('rel')
      const built = await caiged(['build', 'dev'], { env: world.env })
      expect(built.exitCode, built.stderr).toBe(0)
      main = await run(world.project('main'))
      const created = await fetch(`${main.url}/session?directory=%2Fworkspace`, {
        method: 'POST',
        headers: { authorization: basicAuth(world.password(main.name)), 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'survivor' }),
      })
      session = ((await created.json()) as { id: string }).id
    }, 600_000)
    afterAll(() => world?.cleanup())

    it('runs 8 projects at once: all healthy, 8 distinct ports, no errors', async () => {
      const projects = Array.from({ length: 8 }, (_, i) => world.project(`load${i}`))
      const results = await Promise.all(projects.map((p) => run(p)))
      expect(new Set(results.map((r) => r.port)).size).toBe(8)
      expect(new Set(results.map((r) => r.name)).size).toBe(8)
      const statuses = await Promise.all(results.map(async (r) => (await get(r, '/global/health')).status))
      expect(statuses).toEqual(Array(8).fill(200))
      const removed = await caiged(
        ['containers', 'rm', '--force', '--volumes', ...results.map((r) => r.name)],
        { env: world.env },
      )
      expect(removed.exitCode, removed.stderr).toBe(0)
    }, 600_000)

    it('recovers when the server process is killed inside the container', async () => {
      const initPid = docker(['inspect', '--format', '{{.State.Pid}}', main.name])
      const serverPid = execFileSync('pgrep', ['-P', initPid], { encoding: 'utf8' })
        .trim()
        .split('\n')[0] as string
      process.kill(Number(serverPid), 'SIGKILL')
      for (
        let i = 0;
        i < 50 && docker(['inspect', '--format', '{{.State.Running}}', main.name]) === 'true';
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100))
      }
      await expectRecovered('started')
    }, 120_000)

    it('recovers when the container is killed', async () => {
      docker(['kill', main.name])
      await expectRecovered('started')
    }, 120_000)

    it('retries with the next port when the chosen one is taken between choice and create', async () => {
      const taken = (await new Docker().containers.list({ all: true, labels: MANAGED_FILTER })).map((c) =>
        Number(c.labelMap['io.caiged.port']),
      )
      const chosen = candidatePorts(taken)[0] as number
      // Another process binds the port after caiged's probe said it was free (the probe is made to lie).
      const squatter = net.createServer().listen(chosen, '127.0.0.1')
      await new Promise((r) => squatter.once('listening', r))
      const name = `${world.prefix}-dev-race`
      try {
        const service = new ContainerService(new Docker(), {
          clock: systemClock,
          portLooksFree: async () => true,
        })
        const request: Omit<ContainerRequest, 'hostPort'> = {
          ...plainSettings(name, world.project('race'), { project: 'race', volume: volumeName(name) }),
          image: `${world.prefix}:dev`,
          opencodeVersion: world.clientVersion,
          imageFingerprint: 'e2e',
        }
        const pw = randomBytes(16).toString('hex')
        const port = await service.create(request, { password: pw, values: {} })
        expect(port).toBeGreaterThan(chosen)
        expect((await service.waitHealthy(name, port, pw)).healthy).toBe(true)
        // The failed attempt left nothing behind: one container of that name, running.
        expect(docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.State}}'])).toBe('running')
      } finally {
        squatter.close()
        execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' })
      }
    }, 120_000)

    it('refuses to run on with a deleted or corrupt salt, recreating nothing, and works again once it is restored', async () => {
      const id = docker(['inspect', '--format', '{{.Id}}', main.name])
      const saved = fs.readFileSync(salt(), 'utf8')
      fs.rmSync(salt())
      const missing = await caiged(['run', world.project('main'), '--spin', 'dev', '--no-connect'], {
        env: world.env,
      })
      expect(missing.exitCode).toBe(3)
      expect(missing.stderr).toContain(
        `Error: The salt file ${salt()} is missing, but the container's password comes from it.`,
      )
      expect(missing.stderr).toContain('Restore the file')
      expect(fs.existsSync(salt())).toBe(false)
      fs.writeFileSync(salt(), 'garbage\n')
      const corrupt = await caiged(['run', world.project('main'), '--spin', 'dev', '--no-connect'], {
        env: world.env,
      })
      expect(corrupt.exitCode).toBe(3)
      expect(corrupt.stderr).toContain(`Error: The salt file ${salt()} is corrupt`)
      expect(docker(['inspect', '--format', '{{.Id}}', main.name])).toBe(id)
      fs.writeFileSync(salt(), saved)
      await expectRecovered('reused')
    }, 120_000)

    it('survives a build interrupted with SIGINT: the next build succeeds', async () => {
      const userSpin = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'spins', 'slow')
      fs.mkdirSync(userSpin, { recursive: true })
      fs.writeFileSync(path.join(userSpin, 'AGENTS.md'), `# Slow ${randomBytes(4).toString('hex')}\n`)
      fs.writeFileSync(
        path.join(userSpin, 'spin.yaml'),
        'description: A spin whose layer takes a while.\npackages: [tree, bc]\n',
      )
      // A terminal's Ctrl+C reaches the whole process group: caiged and its docker buildx child.
      const child = spawn(process.execPath, [caigedBin, 'build', 'slow'], {
        cwd: repoRoot,
        env: { ...process.env, ...world.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (d) => (output += d))
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : null))),
      )
      for (let i = 0; i < 300 && !/apt-get update/.test(output); i++)
        await new Promise((r) => setTimeout(r, 100))
      expect(output).toMatch(/apt-get update/)
      process.kill(-(child.pid as number), 'SIGINT')
      expect(await exited).not.toBe(0)
      const again = await caiged(['build', 'slow'], { env: world.env })
      expect(again.exitCode, again.stderr + again.stdout).toBe(0)
      expect(imageLabels(`${world.prefix}:slow`)['io.caiged.spin']).toBe('slow')
      expect(docker(['run', '--rm', `${world.prefix}:slow`, 'sh', '-c', 'command -v tree'])).toBe(
        '/usr/bin/tree',
      )
    }, 600_000)

    it('recovers when dockerd itself is restarted', async (context) => {
      const pidFile = '/run/docker-ci.pid'
      if (!fs.existsSync(pidFile)) {
        context.skip(
          'dockerd was not started by .ci/docker-engine.sh here, so this drill must not restart it',
        )
      }
      execFileSync('bash', [path.join(repoRoot, '.ci', 'docker-engine.sh'), 'stop'], { stdio: 'ignore' })
      execFileSync('bash', [path.join(repoRoot, '.ci', 'docker-engine.sh')], { stdio: 'ignore' })
      expect(docker(['inspect', '--format', '{{.State.Running}}', main.name])).toBe('false')
      await expectRecovered('started')
    }, 300_000)
  },
)
