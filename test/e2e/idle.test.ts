import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged, caigedBin } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'
import { fakeModelOpencodeJson, startFakeModel } from '../support/fake-model.js'

/** The idle stop these tests give their agents: short, so that the suite stays quick. */
const IDLE = '4s'

/**
 * Idle costs nothing, against the real engine and the real OpenCode server: an agent with no
 * client and no busy session stops itself after its idle stop (its gateway follows), nothing is
 * removed, and run, connect and web start it again with its sessions.
 */
describeEngine('idle stop: unused agents stop by themselves and come back on use', () => {
  let world: ReturnType<typeof e2eWorld>
  const outward = `caiged-e2e-idle-${randomBytes(3).toString('hex')}`
  let agent: RunJson
  let sessionId = ''

  const state = (name: string) =>
    (
      JSON.parse(docker(['container', 'inspect', name])) as { State: { Status: string; ExitCode: number } }[]
    )[0]?.State
  /** Waits (polling) until the container is in that state; the seconds it took. */
  const waitUntil = async (name: string, status: 'running' | 'exited', seconds = 60) => {
    const start = Date.now()
    while (state(name)?.Status !== status) {
      if (Date.now() - start > seconds * 1000) throw new Error(`${name} is not ${status} after ${seconds} s`)
      await new Promise((r) => setTimeout(r, 250))
    }
    return (Date.now() - start) / 1000
  }
  const api = async (a: RunJson, p: string, body?: unknown) => {
    const r = await fetch(`${a.url}${p}${p.includes('?') ? '&' : '?'}directory=%2Fworkspace`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: basicAuth(world.password(a.name)), 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    })
    return r.status === 204 ? undefined : r.json()
  }
  const run = async (project: string, ...more: string[]) => {
    const result = await caiged(
      ['run', project, '--spin', 'dev', '--no-connect', '--json', '--idle-stop', IDLE, ...more],
      { env: world.env },
    )
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    return JSON.parse(result.stdout) as RunJson
  }

  beforeAll(async () => {
    world = e2eWorld('idle')
    docker(['network', 'create', outward])
    const configDir = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged')
    fs.mkdirSync(configDir, { recursive: true })
    fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ egress: { network: outward } }))
    agent = await run(world.project('idle'))
    sessionId = ((await api(agent, '/session', { title: 'made before the idle stop' })) as { id: string }).id
  }, 600_000)

  afterAll(() => {
    world?.cleanup()
    execFileSync('docker', ['network', 'rm', outward], { stdio: 'ignore' })
  })

  it('stops an agent nobody uses, its gateway with it; removes nothing; the list says it stopped while idle', async () => {
    const took = await waitUntil(agent.name, 'exited', 60)
    expect(state(agent.name)?.ExitCode).toBe(129)
    // Its idle stop, its poll, the server's stop: well under a minute, never at once.
    expect(took).toBeGreaterThan(2)
    await waitUntil(`${agent.name}-egress`, 'exited', 30)
    for (const volume of [`${agent.name}-data`, `${agent.name}-tools`]) docker(['volume', 'inspect', volume])
    const rows = JSON.parse((await caiged(['containers', 'list', '--json'], { env: world.env })).stdout)
    expect(rows).toContainEqual(
      expect.objectContaining({ name: agent.name, idleStop: IDLE, idleStoppedFor: expect.any(String) }),
    )
  }, 120_000)

  it('run starts it again with the sessions made before; it stops again when left alone', async () => {
    const again = await run(path.join(world.root, 'projects', 'idle'))
    expect(again).toMatchObject({ name: agent.name, action: 'started' })
    expect(state(`${agent.name}-egress`)?.Status).toBe('running')
    const sessions = (await api(agent, '/session')) as { id: string }[]
    expect(sessions.map((s) => s.id)).toContain(sessionId)
    await waitUntil(agent.name, 'exited', 60)
  }, 180_000)

  it('connect starts it again, and a TUI attached keeps it up past its idle stop; it stops once the TUI exits', async () => {
    const socket = `caiged-e2e-${randomBytes(3).toString('hex')}`
    const tmux = (...a: string[]) =>
      execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: { ...process.env, ...world.env } })
    try {
      tmux(
        ...['new-session', '-d', '-s', 'tui', '-x', '160', '-y', '45'],
        `${process.execPath} ${caigedBin} connect ${agent.name}; echo EXIT=$?; sleep 60`,
      )
      let screen = ''
      for (let i = 0; i < 120 && !screen.includes('/workspace'); i++) {
        await new Promise((r) => setTimeout(r, 250))
        screen = tmux('capture-pane', '-p', '-t', 'tui')
      }
      expect(screen, screen).toContain('/workspace')
      // Three idle stops long with the TUI attached: still up.
      await new Promise((r) => setTimeout(r, 12_000))
      expect(state(agent.name)?.Status).toBe('running')
      tmux('send-keys', '-t', 'tui', 'C-c')
      for (let i = 0; i < 40 && !screen.includes('EXIT='); i++) {
        await new Promise((r) => setTimeout(r, 250))
        screen = tmux('capture-pane', '-p', '-t', 'tui')
      }
      expect(screen).toContain('EXIT=0')
      expect(screen).toContain(`Starting ${agent.name} again (it stopped itself while idle)`)
    } finally {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' })
    }
    await waitUntil(agent.name, 'exited', 60)
  }, 180_000)

  it('web starts it again, and an open event stream keeps it up; it stops once the stream closes', async () => {
    let relay: ChildProcess | undefined
    try {
      relay = spawn(process.execPath, [caigedBin, 'web', agent.name, '--no-open', '--json'], {
        env: { ...process.env, ...world.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: relay?.stdout as NodeJS.ReadableStream }).once('line', resolve)
        relay?.once('exit', (code) => reject(new Error(`caiged web exited ${code}`)))
      })
      expect(JSON.parse(line)).toMatchObject({ url: expect.stringContaining('http://127.0.0.1:') })
      expect(state(agent.name)?.Status).toBe('running')
    } finally {
      if (relay?.pid) process.kill(relay.pid)
    }
    // An API client's event stream, the way the TUI and the web UI follow the server.
    const stream = new AbortController()
    const events = await fetch(`${agent.url}/global/event`, {
      headers: { authorization: basicAuth(world.password(agent.name)) },
      signal: stream.signal,
    })
    expect(events.status).toBe(200)
    const reading = (async () => {
      for await (const _ of events.body as unknown as AsyncIterable<Uint8Array>);
    })().catch(() => undefined)
    await new Promise((r) => setTimeout(r, 12_000))
    expect(state(agent.name)?.Status).toBe('running')
    stream.abort()
    await reading
    await waitUntil(agent.name, 'exited', 60)
  }, 180_000)

  it('a turn running longer than the idle stop keeps the agent up until it ends, then it stops', async () => {
    const project = world.project('busy')
    const model = `${world.prefix}-model`
    const logDir = path.join(world.root, 'model-log')
    // Each of the model's three answers waits 4 s: the turn takes about 12 s, three idle stops.
    startFakeModel({ name: model, network: outward, logDir, port: 4300, delayMs: 4000 })
    fs.writeFileSync(
      path.join(project, 'opencode.json'),
      fakeModelOpencodeJson(`http://${model}:4300/v1`, 'not-a-secret'),
    )
    if (process.getuid?.() === 0) fs.chownSync(path.join(project, 'opencode.json'), 1000, 1000)
    const busy = await run(project, '--allow-host', `${model}:4300`)
    const session = (await api(busy, '/session', { title: 'slow turn' })) as { id: string }
    // Sent, and nobody stays connected: only the running turn holds the agent up.
    await api(busy, `/session/${session.id}/prompt_async`, {
      parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
    })
    const answered = () =>
      fs.existsSync(path.join(project, 'from-agent.txt')) &&
      fs
        .readFileSync(path.join(logDir, 'requests.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => (JSON.parse(l) as { toolResults: number }).toolResults === 2).length > 0
    const start = Date.now()
    while (!answered()) {
      expect(state(busy.name)?.Status, 'stopped in the middle of a turn').toBe('running')
      if (Date.now() - start > 90_000) throw new Error('the slow turn never finished')
      await new Promise((r) => setTimeout(r, 500))
    }
    expect((Date.now() - start) / 1000).toBeGreaterThan(8)
    await waitUntil(busy.name, 'exited', 60)
    expect(state(busy.name)?.ExitCode).toBe(129)
  }, 240_000)

  it('an agent with --egress open (no gateway) stops and starts again the same way, by run and by containers shell', async () => {
    const open = await run(world.project('open'), '--egress', 'open')
    await waitUntil(open.name, 'exited', 60)
    expect(state(open.name)?.ExitCode).toBe(129)
    expect(await run(path.join(world.root, 'projects', 'open'), '--egress', 'open')).toMatchObject({
      action: 'started',
    })
    expect(state(open.name)?.Status).toBe('running')
    // containers shell starts it again too.
    await waitUntil(open.name, 'exited', 60)
    const shell = await caiged(['containers', 'shell', open.name, '--', 'echo', 'inside again'], {
      env: world.env,
    })
    expect(shell.exitCode, shell.stderr).toBe(0)
    expect(shell.stdout).toContain('inside again')
    expect(shell.stderr).toContain(`Starting ${open.name} again (it stopped itself while idle)`)
  }, 180_000)
})
