import { afterAll, beforeAll, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'
import { opencodeVersions } from '../support/opencode-versions.mjs'

/** An older OpenCode than the host client's (npm has it, for both platforms). */
const OLD_VERSION = opencodeVersions.older

describeEngine('containers outdated and upgrade: to the host’s OpenCode, sessions and tools kept', () => {
  let world: ReturnType<typeof e2eWorld>
  let name = ''
  let url = ''
  let session = ''
  const api = (p: string, body?: unknown) =>
    fetch(`${url}${p}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: basicAuth(world.password(name)),
        'content-type': 'application/json',
      },
      body: body ? JSON.stringify(body) : undefined,
    })
  const outdated = async () => {
    const result = await caiged(['containers', 'outdated', '--json'], { env: world.env })
    expect(result.exitCode, result.stderr).toBe(0)
    return (JSON.parse(result.stdout) as { name: string; reasons: string[] }[]).find((r) => r.name === name)
  }

  beforeAll(async () => {
    world = e2eWorld('upg')
    const result = await caiged(
      [
        'run',
        world.project('app'),
        '--spin',
        'dev',
        '--no-connect',
        '--json',
        '--opencode-version',
        OLD_VERSION,
      ],
      { env: world.env },
    )
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    ;({ name, url } = JSON.parse(result.stdout) as { name: string; url: string })
    // What the agent installed in user space, and a session of its own.
    docker([
      'exec',
      name,
      'sh',
      '-c',
      'printf "#!/bin/sh\\necho tool survived\\n" > ~/.local/bin/mytool && chmod +x ~/.local/bin/mytool',
    ])
    session = (
      (await (await api('/session?directory=%2Fworkspace', { title: 'before the upgrade' })).json()) as {
        id: string
      }
    ).id
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('lists a container behind the host client', async () => {
    expect(world.clientVersion).not.toBe(OLD_VERSION)
    expect((await outdated())?.reasons).toEqual([
      `OpenCode ${OLD_VERSION} → ${world.clientVersion} (the host client's)`,
    ])
  })

  it('upgrades it with the settings it was made with: its sessions and the tools the agent installed stay', async () => {
    const result = await caiged(['upgrade', name, '--json'], { env: world.env })
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual([
      { name, action: 'recreated', opencodeVersion: world.clientVersion },
    ])
    expect(docker(['exec', name, 'opencode', '--version'])).toBe(world.clientVersion)
    expect(docker(['exec', name, 'mytool'])).toBe('tool survived')
    const sessions = (await (await api('/session?directory=%2Fworkspace')).json()) as { id: string }[]
    expect(sessions.map((s) => s.id)).toContain(session)
    // Still behind its gateway, as it was made.
    expect(docker(['inspect', '--format', '{{index .Config.Labels "io.caiged.egress"}}', name])).toBe(
      'balanced',
    )
    expect((await outdated())?.reasons).toEqual([])
  }, 600_000)

  it('removes the tools with the sessions on rm --volumes', async () => {
    const removed = await caiged(['containers', 'rm', '--force', '--volumes', name, '--json'], {
      env: world.env,
    })
    expect(removed.exitCode, removed.stderr).toBe(0)
    expect((JSON.parse(removed.stdout) as { volumes: string[] }).volumes.sort()).toEqual([
      `${name}-data`,
      `${name}-tools`,
    ])
    expect(docker(['volume', 'ls', '-q', '--filter', `name=^${name}-`])).toBe('')
  }, 60_000)
})
