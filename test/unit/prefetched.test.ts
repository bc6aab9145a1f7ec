import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import { healthRequest, waitForHealthy } from '../../src/opencode/health.js'
import { startGetAhead } from '../../src/opencode/http.js'
import { Label } from '../../src/labels.js'
import { Prefetched } from '../../src/prefetched.js'
import { inspectJson, testDeps } from '../support/fakes.js'

/**
 * A server that numbers the requests in the order they reach it, and says when one with a given
 * authorization header has: a test waits for that, not for a time, before asking the next.
 */
async function countingServer() {
  let requests = 0
  const seen: string[] = []
  const waiting = new Map<string, () => void>()
  const server = http.createServer((req, res) => {
    requests++
    const authorization = req.headers.authorization ?? ''
    seen.push(authorization)
    waiting.get(authorization)?.()
    res.end(`${authorization} #${requests}`.trimStart())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/global/health`),
    get requests() {
      return requests
    },
    /** The authorization header of the first request that reached it. */
    get seenFirst() {
      return seen[0]
    },
    /** Settles once a request with this authorization header (none: '') has reached the server. */
    arrived(authorization: string): Promise<void> {
      if (seen.includes(authorization)) return Promise.resolve()
      return new Promise((resolve) => waiting.set(authorization, resolve))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const answer = (stdout: string) => Promise.resolve({ stdout, stderr: '', exitCode: 0 })

describe('Prefetched: what was started ahead, taken by what it is', () => {
  it('hands each on once, and only for the same container, server and password, or folder', async () => {
    const p = new Prefetched()
    p.keepLookup('caiged-dev-a', answer('[]'))
    p.keepHealth('http://127.0.0.1:4100', 'pw', Promise.resolve({ status: 200, body: 'ok' }))
    p.keepGitFacts('/w/a', answer('user.name Ada'))
    expect(p.takeLookup('caiged-dev-b')).toBeUndefined()
    expect(await p.takeLookup('caiged-dev-a')).toMatchObject({ stdout: '[]' })
    expect(p.takeLookup('caiged-dev-a')).toBeUndefined()
    expect(p.takeHealth('http://127.0.0.1:4100', 'other')).toBeUndefined()
    expect(p.takeHealth('http://127.0.0.1:4101', 'pw')).toBeUndefined()
    expect(await p.takeHealth('http://127.0.0.1:4100', 'pw')).toMatchObject({ status: 200 })
    expect(p.takeGitFacts('/w/b')).toBeUndefined()
    expect(await p.takeGitFacts('/w/a')).toMatchObject({ stdout: 'user.name Ada' })
  })

  it('once discarded, forgets the lookups and health checks, keeps none after, and keeps the git identity', () => {
    const p = new Prefetched()
    p.keepLookup('a', answer('[]'))
    p.keepHealth('http://127.0.0.1:4100', 'pw', Promise.resolve({ status: 200, body: '' }))
    p.keepGitFacts('/w', answer(''))
    p.discard()
    expect(p.discarded).toBe(true)
    p.keepLookup('b', answer('[]'))
    expect(p.takeLookup('a')).toBeUndefined()
    expect(p.takeLookup('b')).toBeUndefined()
    expect(p.takeHealth('http://127.0.0.1:4100', 'pw')).toBeUndefined()
    expect(p.takeGitFacts('/w')).toBeDefined()
  })
})

describe('the flow takes what was started ahead through Deps', () => {
  const roots: string[] = []
  afterAll(() => {
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
  })

  it("the container lookup: the agent and its gateway from the inspect started ahead, no docker process of the flow's", async () => {
    const d = testDeps()
    roots.push(d.root)
    const agent = JSON.parse(
      inspectJson({ name: 'c1', running: true, labels: { [Label.managed]: 'true' } }).stdout as string,
    )
    d.prefetched.keepLookup('c1', answer(JSON.stringify(agent)))
    const found = await d.containers.findWithGateway('c1')
    expect(found.agent?.Name).toBe('c1')
    expect(d.fake.calls).toEqual([])
    // Taken once: the next look is the flow's own.
    d.fake.on(/^container inspect -- c1 c1-egress$/, { stdout: JSON.stringify(agent) })
    await d.containers.findWithGateway('c1')
    expect(d.fake.calls).toEqual(['container inspect -- c1 c1-egress'])
  })

  it("the first health probe: the GET started ahead is the probe's answer, the server asked once", async () => {
    const server = await countingServer()
    try {
      const base = server.url.origin
      const started = startGetAhead(...healthRequest(base, 'pw'), 500)
      const prefetched = new Prefetched()
      prefetched.keepHealth(base, 'pw', started.response)
      await started.sent
      const health = await waitForHealthy(base, 'pw', {
        timeoutMs: 2000,
        firstAnswer: prefetched.takeHealth(base, 'pw'),
      }).catch((error: Error) => error)
      // The counting server is no OpenCode: the probe read the answer started ahead (#1), and
      // asked the server again only after it, as its poll does.
      expect(String((health as Error).message)).toMatch(/no healthy answer/)
      expect(server.seenFirst).toBe('Basic ' + Buffer.from('opencode:pw').toString('base64'))
    } finally {
      await server.close()
    }
  })
})
