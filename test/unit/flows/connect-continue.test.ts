import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { attachTui, connectAgent, continueLine } from '../../../src/flows/connect.js'
import { Label } from '../../../src/labels.js'
import { FakeDocker, inspectJson, recordingIo, testDeps } from '../../support/fakes.js'

const roots: string[] = []
const servers: http.Server[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
  for (const s of servers.splice(0)) s.close()
})

/** An OpenCode-shaped session list on 127.0.0.1: what the TUI made is the newest once it exits. */
async function sessionServer(sessions: () => { id: string; time: { updated: number } }[]) {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(req.url?.startsWith('/session') ? JSON.stringify(sessions()) : '{}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A Deps whose HOME this file removes afterwards. */
function own<T extends { root: string }>(d: T): T {
  roots.push(d.root)
  return d
}

const GATEWAY_LABELS = {
  [Label.managed]: 'true',
  [Label.role]: 'egress',
  [Label.container]: 'caiged-dev-code-app',
}

describe('after the TUI exits', () => {
  it("prints caiged's own continue line with the session the user was in", async () => {
    let list = [{ id: 'ses_old1', time: { updated: 1 } }]
    const port = await sessionServer(() => list)
    const io = recordingIo()
    const attached: (string | undefined)[] = []
    const code = await attachTui(
      {
        name: 'caiged-dev-code-app',
        port,
        password: 'pw',
        serverVersion: '1.18.33',
        hostVersion: '1.18.33',
        gated: false,
      },
      own(
        testDeps({
          io,
          hostOpencode: {
            attach: async (_url, options) => {
              attached.push(options.session)
              // The user started a new session in the TUI.
              list = [...list, { id: 'ses_new2', time: { updated: 2 } }]
              return 0
            },
          },
        }),
      ),
    )
    expect(code).toBe(0)
    expect(attached).toEqual(['ses_old1'])
    expect(io.logs.at(-1)).toBe('Continue: caiged connect caiged-dev-code-app --session ses_new2')
    expect(io.logs.join('\n')).not.toMatch(/opencode -s/)
  })

  it('names what the gateway refused during the session, each with the command that allows it', async () => {
    const port = await sessionServer(() => [])
    const io = recordingIo()
    const d = own(testDeps({ io, hostOpencode: { attach: async () => 0 } }))
    const now = d.clock.now() / 1000
    const log = [
      `caiged-egress ${now - 3600} CONNECT before.example 443 403 TCP_DENIED`,
      `caiged-egress ${now + 1} CONNECT opencode.ai 443 403 TCP_DENIED`,
      `caiged-egress ${now + 2} CONNECT opencode.ai 443 403 TCP_DENIED`,
      `caiged-egress ${now + 2} GET db.example 5432 403 TCP_DENIED`,
      `caiged-egress ${now + 3} CONNECT registry.npmjs.org 443 200 TCP_TUNNEL`,
    ].join('\n')
    d.fake
      .on(
        /^container inspect -- caiged-dev-code-app-egress$/,
        inspectJson({ name: 'caiged-dev-code-app-egress', running: true, labels: GATEWAY_LABELS }),
      )
      .on(/^logs --since \S+ -- id-caiged-dev-code-app-egress$/, { stdout: log })
    await attachTui(
      {
        name: 'caiged-dev-code-app',
        port,
        password: 'pw',
        serverVersion: '1.18.33',
        hostVersion: '1.18.33',
        gated: true,
      },
      d,
    )
    expect(io.warnings).toEqual([
      'The egress policy of caiged-dev-code-app refused 2 destinations during this session:',
      '  opencode.ai:443 (2×) — to allow it: caiged egress allow caiged-dev-code-app opencode.ai',
      '  db.example:5432 (1×) — to allow it: caiged egress allow caiged-dev-code-app db.example:5432',
    ])
  })

  it('says nothing about egress for an agent without a gateway, and asks docker nothing', async () => {
    const port = await sessionServer(() => [])
    const io = recordingIo()
    const d = own(testDeps({ io, hostOpencode: { attach: async () => 0 } }))
    await attachTui(
      { name: 'c1', port, password: 'pw', serverVersion: '1.18.33', hostVersion: '1.18.33', gated: false },
      d,
    )
    expect(io.warnings).toEqual([])
    expect(d.fake.calls).toEqual([])
  })

  it('the line it prints is one connect takes back', () => {
    expect(continueLine('caiged-dev-code-app', 'ses_ab12')).toMatch(
      /^Continue: caiged connect \S+ --session ses_ab12$/,
    )
  })
})

describe('connect --session', () => {
  const labels = { [Label.managed]: 'true', [Label.spin]: 'dev', [Label.port]: '4321' }

  it('continues the session asked for, not the latest', async () => {
    const attached: (string | undefined)[] = []
    const docker = new FakeDocker().on(
      /^container inspect -- c1 c1-egress$/,
      inspectJson({ name: 'c1', running: true, labels }),
    )
    const d = testDeps({
      docker,
      hostOpencode: {
        attach: async (_url, options) => {
          attached.push(options.session)
          return 0
        },
      },
    })
    roots.push(d.root)
    fs.mkdirSync(path.dirname(d.paths.saltFile), { recursive: true, mode: 0o700 })
    fs.writeFileSync(d.paths.saltFile, `${'c'.repeat(64)}\n`, { mode: 0o600 })
    expect(await connectAgent({ name: 'c1', session: 'ses_AbC123' }, d)).toBe(0)
    expect(attached).toEqual(['ses_AbC123'])
  })

  it('refuses what is not a session id before looking at any container', async () => {
    const docker = new FakeDocker()
    const d = testDeps({ docker })
    roots.push(d.root)
    await expect(connectAgent({ name: 'c1', session: '--help; rm -rf /' }, d)).rejects.toThrow(
      'is not an OpenCode session id',
    )
    expect(docker.calls).toEqual([])
  })
})
