import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpGet, startGetAhead } from '../../src/opencode/http.js'

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
    /** Settles once a request with this authorization header (none: '') has reached the server. */
    arrived(authorization: string): Promise<void> {
      if (seen.includes(authorization)) return Promise.resolve()
      return new Promise((resolve) => waiting.set(authorization, resolve))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('a GET started ahead', () => {
  let server: Awaited<ReturnType<typeof countingServer>>
  beforeAll(async () => {
    server = await countingServer()
  })
  afterAll(() => server.close())

  it('answers the first identical GET, once; another header or a second GET asks the server', async () => {
    const { url } = server
    startGetAhead(url, { authorization: 'Basic a' }, 500)
    expect((await httpGet(url, { authorization: 'Basic a' }, 500)).body).toBe('Basic a #1')
    expect((await httpGet(url, { authorization: 'Basic a' }, 500)).body).toBe('Basic a #2')
    startGetAhead(url, { authorization: 'Basic b' }, 500)
    // B is #3 only once it has reached the server; C is asked after that, so it is #4.
    await server.arrived('Basic b')
    expect((await httpGet(url, { authorization: 'Basic c' }, 500)).body).toBe('Basic c #4')
    expect((await httpGet(url, { authorization: 'Basic b' }, 500)).body).toBe('Basic b #3')
    expect(server.requests).toBe(4)
  })

  it('hands on a failure as it came, and leaves none unhandled', async () => {
    const closed = new URL('http://127.0.0.1:9/nothing')
    startGetAhead(closed, {}, 500)
    await expect(httpGet(closed, {}, 500)).rejects.toThrow()
  })
})

describe('discarding the GETs started ahead', () => {
  it('forgets them, and starts none after', async () => {
    const { discardGetsAhead } = await import('../../src/opencode/http.js')
    const server = await countingServer()
    try {
      startGetAhead(server.url, {}, 500)
      // Its answer (#1) is on its way: discarding must not hand it on all the same.
      await server.arrived('')
      discardGetsAhead()
      startGetAhead(server.url, {}, 500)
      // The one asked for now goes to the server: the answer started ahead is not handed on.
      expect((await httpGet(server.url, {}, 500)).body).toBe('#2')
      expect(server.requests).toBe(2)
    } finally {
      await server.close()
    }
  })
})
