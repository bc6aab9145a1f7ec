import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpGet, startGetAhead } from '../../src/opencode/http.js'

describe('a GET started ahead', () => {
  let server: http.Server
  let requests = 0
  let url: URL
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests++
      res.end(`${req.headers.authorization ?? ''} #${requests}`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/global/health`)
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('answers the first identical GET, once; another header or a second GET asks the server', async () => {
    startGetAhead(url, { authorization: 'Basic a' }, 500)
    expect((await httpGet(url, { authorization: 'Basic a' }, 500)).body).toBe('Basic a #1')
    expect((await httpGet(url, { authorization: 'Basic a' }, 500)).body).toBe('Basic a #2')
    startGetAhead(url, { authorization: 'Basic b' }, 500)
    await new Promise((r) => setTimeout(r, 50))
    expect((await httpGet(url, { authorization: 'Basic c' }, 500)).body).toBe('Basic c #4')
    expect((await httpGet(url, { authorization: 'Basic b' }, 500)).body).toBe('Basic b #3')
    expect(requests).toBe(4)
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
    let requests = 0
    const server = http.createServer((_req, res) => res.end(`#${++requests}`))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/global/health`)
    try {
      startGetAhead(url, {}, 500)
      await new Promise((r) => setTimeout(r, 50))
      discardGetsAhead()
      startGetAhead(url, {}, 500)
      // The one asked for now goes to the server: the answer started ahead is not handed on.
      expect((await httpGet(url, {}, 500)).body).toBe('#2')
      expect(requests).toBe(2)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
