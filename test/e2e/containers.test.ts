import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged, caigedBin, repoRoot } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { commandLinesDuring, e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

describeEngine('caiged run, connect and containers against the real engine and OpenCode', () => {
  let world: ReturnType<typeof e2eWorld>
  let project: string
  let first: RunJson
  const secretValue = `s3cret-${randomBytes(8).toString('hex')}`

  const run = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const result = await caiged(['run', ...args], { env: { ...world.env, ...extraEnv } })
    return {
      ...result,
      json:
        result.exitCode === 0 && args.includes('--json') ? (JSON.parse(result.stdout) as RunJson) : undefined,
    }
  }
  const api = async (r: RunJson, p: string, init: RequestInit = {}) =>
    fetch(`${r.url}${p}`, {
      ...init,
      headers: { authorization: basicAuth(world.password(r.name)), 'content-type': 'application/json' },
    })

  beforeAll(() => {
    world = e2eWorld('ctr')
    project = world.project('alpha')
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('runs a container with --no-connect: healthy, password-protected, on 127.0.0.1 only, hardened', async () => {
    const { result, commandLines } = await commandLinesDuring(() =>
      run([project, '--spin', 'dev', '--no-connect', '--json', '--secret-env', 'E2E_SECRET'], {
        E2E_SECRET: secretValue,
      }),
    )
    expect(result.exitCode, result.stderr).toBe(0)
    first = result.json as RunJson
    expect(first.name).toBe(`${world.prefix}-dev-projects-alpha`)
    expect(first.action).toBe('created')
    expect(first.opencodeVersion).toBe(world.clientVersion)

    // No secret in any process's command line while run executed.
    const pw = world.password(first.name)
    const leaks = [...commandLines].filter((c) => c.includes(pw) || c.includes(secretValue))
    expect(leaks).toEqual([])
    expect([...commandLines].some((c) => c.includes('docker create ') && c.includes('-e E2E_SECRET'))).toBe(
      true,
    )

    expect((await fetch(`${first.url}/global/health`)).status).toBe(401)
    expect(
      (await fetch(`${first.url}/global/health`, { headers: { authorization: basicAuth('wrong') } })).status,
    ).toBe(401)
    const health = await api(first, '/global/health')
    expect(health.status).toBe(200)

    const inspect = JSON.parse(docker(['container', 'inspect', first.name]))[0]
    // Behind its egress gateway (the default): the gateway publishes the port, the agent none.
    expect(inspect.HostConfig.PortBindings['4096/tcp']).toBeUndefined()
    const gateway = JSON.parse(docker(['container', 'inspect', `${first.name}-egress`]))[0]
    expect(gateway.HostConfig.PortBindings['4096/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(first.port) },
    ])
    expect(gateway.HostConfig.CapDrop).toEqual(['ALL'])
    expect(gateway.HostConfig.SecurityOpt).toEqual(['no-new-privileges'])
    const listening = execFileSync('ss', ['-Hltn'], { encoding: 'utf8' })
    expect(listening).toMatch(new RegExp(`127\\.0\\.0\\.1:${first.port}\\s`))
    expect(listening).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${first.port}\\s`))
    expect(inspect.HostConfig.CapDrop).toEqual(['ALL'])
    expect(inspect.HostConfig.CapAdd ?? []).toEqual([])
    expect(inspect.HostConfig.SecurityOpt).toEqual(['no-new-privileges'])
    expect(inspect.HostConfig.Init).toBe(true)
    expect(inspect.HostConfig.Privileged).toBe(false)
    const mounts = (inspect.Mounts as { Type: string; Source: string; Destination: string; RW: boolean }[])
      .map((m) => `${m.Type}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`)
      .sort()
    // The project, the agent's user-space tools, its sessions: nothing else of the host.
    expect(mounts).toEqual([
      'bind:/workspace:rw',
      'volume:/home/agent/.local/share/opencode:rw',
      'volume:/home/agent/.local:rw',
    ])
    expect(inspect.Mounts.find((m: { Destination: string }) => m.Destination === '/workspace').Source).toBe(
      project,
    )
    const inside = docker([
      'exec',
      first.name,
      'sh',
      '-c',
      'id -u; grep -E "^(CapEff|NoNewPrivs)" /proc/1/status; printenv E2E_SECRET; test -e /var/run/docker.sock && echo SOCK || echo NOSOCK',
    ])
    expect(inside.split('\n')).toEqual([
      '1000',
      'CapEff:\t0000000000000000',
      'NoNewPrivs:\t1',
      secretValue,
      'NOSOCK',
    ])
  }, 600_000)

  it('reuses the running container on a second run, with one docker process: a container inspect (of it and its gateway)', async () => {
    // A PATH shim logs every docker process caiged spawns, then runs the real docker.
    const shim = path.join(world.root, 'docker-shim')
    const log = path.join(world.root, 'docker-calls.log')
    fs.mkdirSync(shim, { recursive: true })
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
    fs.writeFileSync(path.join(shim, 'docker'), `#!/bin/sh\necho "$*" >> ${log}\nexec ${realDocker} "$@"\n`, {
      mode: 0o755,
    })
    const again = await run(
      [project, '--spin', 'dev', '--no-connect', '--json', '--secret-env', 'E2E_SECRET'],
      {
        E2E_SECRET: secretValue,
        PATH: `${shim}:${world.env.PATH}`,
      },
    )
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.json).toMatchObject({ name: first.name, port: first.port, action: 'reused' })
    // One docker process: the container's labels say its image is current, its gateway's that it runs.
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      `container inspect -- ${first.name} ${first.name}-egress`,
    ])
  }, 120_000)

  it('lists it as JSON with spin, project, port and status', async () => {
    const result = await caiged(['containers', 'list', '--json'], { env: world.env })
    const row = (
      JSON.parse(result.stdout) as {
        name: string
        spin: string
        project: string
        port: number
        state: string
        status: string
      }[]
    ).find((r) => r.name === first.name)
    expect(row).toMatchObject({ spin: 'dev', project: 'projects-alpha', port: first.port, state: 'running' })
    expect(row?.status).toMatch(/^Up /)
  })

  it('says what differs when a run asks for other settings, and recreates only with --recreate', async () => {
    const refused = await run([project, '--spin', 'dev', '--no-connect'])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(
      `Error: ${first.name} was made with other settings: secret env names: E2E_SECRET → none.`,
    )
    expect(refused.stderr).toContain('--recreate')
    const sessionId = await createSession(first)
    const recreated = await run([project, '--spin', 'dev', '--no-connect', '--json', '--recreate'])
    expect(recreated.exitCode, recreated.stderr).toBe(0)
    expect(recreated.json).toMatchObject({ action: 'recreated', port: first.port })
    expect(await sessionIds(first)).toContain(sessionId)
  }, 120_000)

  it('keeps sessions across stop + run, and across an image rebuild + recreate', async () => {
    const sessionId = await createSession(first)
    const stop = await caiged(['containers', 'stop', first.name], { env: world.env })
    expect(stop.exitCode, stop.stderr).toBe(0)
    expect(docker(['inspect', '--format', '{{.State.Running}}', first.name])).toBe('false')
    const resumed = await run([project, '--spin', 'dev', '--no-connect', '--json'])
    expect(resumed.json).toMatchObject({ action: 'started', port: first.port })
    expect(await sessionIds(first)).toContain(sessionId)

    // Edit the spin (a user copy of dev): the image is rebuilt, the container recreated, the session kept.
    const userDev = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'spins', 'dev')
    fs.cpSync(path.join(repoRoot, 'spins', 'dev'), userDev, { recursive: true })
    fs.appendFileSync(path.join(userDev, 'AGENTS.md'), '\nAlso: be brief.\n')
    const upgraded = await run([project, '--spin', 'dev', '--no-connect', '--json'])
    expect(upgraded.exitCode, upgraded.stderr).toBe(0)
    expect(upgraded.json).toMatchObject({ action: 'recreated', port: first.port })
    expect(await sessionIds(first)).toContain(sessionId)
  }, 600_000)

  it('asks in a terminal before the Docker socket, and a no makes nothing (the hot path’s prompt)', async () => {
    const socket = `caiged-e2e-${randomBytes(3).toString('hex')}`
    const tmux = (...a: string[]) =>
      execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: { ...process.env, ...world.env } })
    const asked = world.project('asked')
    try {
      // Twice: the first run writes the hot path's code cache, the second runs from it.
      for (const round of [1, 2]) {
        tmux(
          'new-session',
          '-d',
          '-s',
          `ask${round}`,
          '-x',
          '160',
          '-y',
          '20',
          `${process.execPath} ${caigedBin} run ${asked} --spin dev --no-connect --enable-docker-sock; echo EXIT=$?; sleep 60`,
        )
        let screen = ''
        for (let i = 0; i < 80 && !screen.includes('Continue? [y/N]'); i++) {
          await new Promise((r) => setTimeout(r, 250))
          screen = tmux('capture-pane', '-p', '-t', `ask${round}`)
        }
        expect(screen, screen).toContain('root-equivalent access to this machine')
        tmux('send-keys', '-t', `ask${round}`, 'n', 'Enter')
        for (let i = 0; i < 40 && !screen.includes('EXIT='); i++) {
          await new Promise((r) => setTimeout(r, 250))
          screen = tmux('capture-pane', '-p', '-t', `ask${round}`)
        }
        expect(screen, screen).toContain('the container was not started')
        expect(screen, screen).not.toMatch(/\n\s+at /)
        expect(screen).not.toContain('EXIT=0')
      }
      expect(docker(['ps', '-a', '-q', '--filter', `label=io.caiged.workdir=${asked}`])).toBe('')
    } finally {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' })
    }
  }, 120_000)

  it('connects the TUI under tmux on /workspace, and passes the client’s exit code on', async () => {
    const socket = `caiged-e2e-${randomBytes(3).toString('hex')}`
    const tmux = (...a: string[]) =>
      execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: { ...process.env, ...world.env } })
    try {
      const { commandLines } = await commandLinesDuring(async () => {
        tmux(
          'new-session',
          '-d',
          '-s',
          'tui',
          '-x',
          '160',
          '-y',
          '45',
          `${process.execPath} ${caigedBin} connect ${first.name}; echo EXIT=$?; sleep 60`,
        )
        let screen = ''
        // The sessions made above exist, so the TUI continues the latest one (titled "e2e").
        const ready = (text: string) =>
          text.includes('/workspace') && /^\s+e2e\s*$/m.test(text) && text.includes(world.clientVersion)
        for (let i = 0; i < 80 && !ready(screen); i++) {
          await new Promise((r) => setTimeout(r, 250))
          screen = tmux('capture-pane', '-p', '-t', 'tui')
        }
        expect(screen, screen).toContain('/workspace')
        expect(screen, screen).toMatch(/^\s+e2e\s*$/m)
        expect(screen, screen).toContain(world.clientVersion)
        tmux('send-keys', '-t', 'tui', 'C-c')
        for (let i = 0; i < 40 && !screen.includes('EXIT='); i++) {
          await new Promise((r) => setTimeout(r, 250))
          screen = tmux('capture-pane', '-p', '-t', 'tui')
        }
        expect(screen).toContain('EXIT=0')
      })
      const pw = world.password(first.name)
      expect([...commandLines].filter((c) => c.includes(pw))).toEqual([])
      expect([...commandLines].some((c) => c.includes(`attach ${first.url} --dir /workspace`))).toBe(true)
    } finally {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' })
    }

    // A client that exits 7: caiged exits 7 too.
    const fake = path.join(world.root, 'fake-bin')
    fs.mkdirSync(fake, { recursive: true })
    const real = path.join((world.env.PATH as string).split(':')[0] as string, 'opencode')
    fs.writeFileSync(
      path.join(fake, 'opencode'),
      `#!/bin/sh\n[ "$1" = attach ] && exit 7\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    )
    const seven = await caiged(['connect', first.name], {
      env: { ...world.env, PATH: `${fake}:${world.env.PATH}` },
    })
    expect(seven.exitCode).toBe(7)
  }, 120_000)

  it('resumes two stopped containers on their own ports, and gives concurrent runs distinct ports', async () => {
    const a = world.project('ra')
    const b = world.project('rb')
    const [ra, rb] = await Promise.all([
      run([a, '--spin', 'dev', '--no-connect', '--json']),
      run([b, '--spin', 'dev', '--no-connect', '--json']),
    ])
    expect(ra.exitCode, ra.stderr).toBe(0)
    expect(rb.exitCode, rb.stderr).toBe(0)
    expect(ra.json?.port).not.toBe(rb.json?.port)
    const stopAll = await caiged(['containers', 'stop-all', '--json'], { env: world.env })
    expect(stopAll.exitCode, stopAll.stderr).toBe(0)
    expect((JSON.parse(stopAll.stdout) as { stopped: string[] }).stopped).toEqual(
      expect.arrayContaining([ra.json?.name, rb.json?.name, first.name]),
    )
    // stop-all deletes nothing.
    expect(docker(['inspect', '--format', '{{.State.Status}}', ra.json?.name as string])).toBe('exited')
    // Resume the second first: the original gave it the lowest free port and polled the wrong one.
    const rb2 = await run([b, '--spin', 'dev', '--no-connect', '--json'])
    const ra2 = await run([a, '--spin', 'dev', '--no-connect', '--json'])
    expect(rb2.json).toMatchObject({ action: 'started', port: rb.json?.port })
    expect(ra2.json).toMatchObject({ action: 'started', port: ra.json?.port })
    for (const r of [ra2.json, rb2.json]) expect((await api(r as RunJson, '/global/health')).status).toBe(200)
  }, 600_000)

  it('starts, removes and removes with volumes', async () => {
    const start = await caiged(['containers', 'start', first.name, '--json'], { env: world.env })
    expect(start.exitCode, start.stderr).toBe(0)
    expect(JSON.parse(start.stdout)).toMatchObject({ name: first.name, started: true })
    const running = await caiged(['containers', 'rm', first.name], { env: world.env })
    expect(running.exitCode).toBe(1)
    expect(running.stderr).toContain(`Still running: ${first.name}.`)
    const rm = await caiged(['containers', 'rm', first.name, '--force'], { env: world.env })
    expect(rm.exitCode, rm.stderr).toBe(0)
    expect(docker(['volume', 'ls', '-q', '--filter', `name=^${first.name}-data$`])).toBe(`${first.name}-data`)
    expect((await caiged(['containers', 'stop-all'], { env: world.env })).exitCode).toBe(0)
    const all = await caiged(['containers', 'rm', '--all'], { env: world.env })
    expect(all.exitCode).toBe(2)
    expect(all.stderr).toContain('Pass --force to confirm.')
    const purge = await caiged(['containers', 'rm', '--all', '--force', '--volumes', '--json'], {
      env: world.env,
    })
    expect(purge.exitCode, purge.stderr).toBe(0)
    expect(docker(['ps', '-a', '-q', '--filter', `name=^${world.prefix}-`])).toBe('')
    expect(docker(['volume', 'ls', '-q', '--filter', `name=^${world.prefix}-dev-projects-r`])).toBe('')
  }, 120_000)

  async function createSession(r: RunJson): Promise<string> {
    const response = await api(r, '/session?directory=%2Fworkspace', {
      method: 'POST',
      body: JSON.stringify({ title: 'e2e' }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { id: string }).id
  }
  async function sessionIds(r: RunJson): Promise<string[]> {
    const response = await api(r, '/session?directory=%2Fworkspace')
    return ((await response.json()) as { id: string }[]).map((s) => s.id)
  }
})
