import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HealthTimeout, basicAuth, probeHealth, waitForHealthy } from '../../src/opencode/health.js'

const PASSWORD = 'pw'
const HEALTHY = JSON.stringify({ healthy: true, version: '1.2.3' })

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, count: number) => void

const servers: http.Server[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    // Hanging requests hold their sockets open; close() alone would wait for them.
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A server on 127.0.0.1 and a free port; returns its base URL and how many requests it saw. */
async function serve(handler: Handler): Promise<{ url: string; requests: () => number }> {
  let count = 0
  const server = http.createServer((req, res) => handler(req, res, ++count))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests: () => count }
}

/** OpenCode's health endpoint behind basic auth with the given password. */
const healthy: Handler = (req, res) => {
  if (req.url !== '/global/health') {
    res.writeHead(404).end()
    return
  }
  if (req.headers.authorization !== `Basic ${Buffer.from(`opencode:${PASSWORD}`).toString('base64')}`) {
    res.writeHead(401, { 'www-authenticate': 'Basic' }).end('unauthorized')
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(HEALTHY)
}

/** Accepts the connection and never answers: what OpenCode does to a request that comes too early. */
const hang: Handler = () => undefined

/** A port nothing listens on: opened, then closed. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

async function timeoutOf(promise: Promise<unknown>): Promise<HealthTimeout> {
  try {
    await promise
  } catch (error) {
    if (error instanceof HealthTimeout) return error
    throw error
  }
  throw new Error('expected a HealthTimeout, the promise resolved')
}

describe('basicAuth', () => {
  it('is Basic base64(opencode:password)', () => {
    expect(basicAuth('pw')).toBe(`Basic ${Buffer.from('opencode:pw').toString('base64')}`)
    expect(basicAuth('pw', 'other')).toBe(`Basic ${Buffer.from('other:pw').toString('base64')}`)
  })
})

describe('probeHealth', () => {
  it('is healthy with the right password', async () => {
    const { url } = await serve(healthy)
    expect(await probeHealth(url, PASSWORD)).toEqual({
      kind: 'healthy',
      health: { healthy: true, version: '1.2.3' },
    })
  })

  it('asks GET /global/health whatever path the base URL has', async () => {
    const { url } = await serve(healthy)
    expect((await probeHealth(`${url}/some/where`, PASSWORD)).kind).toBe('healthy')
  })

  it('is unauthorized with a wrong password', async () => {
    const { url } = await serve(healthy)
    expect(await probeHealth(url, 'wrong')).toEqual({ kind: 'unauthorized' })
  })

  it('is unexpected for a server that answers HTML', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html></html>')
    })
    const probe = await probeHealth(url, PASSWORD)
    expect(probe.kind).toBe('unexpected')
    expect(probe).toMatchObject({ detail: expect.stringContaining('not JSON') })
  })

  it('is unexpected for JSON of another shape, or not healthy', async () => {
    const { url } = await serve((_req, res, count) => {
      res.end(count === 1 ? '{"status":"ok"}' : '{"healthy":false,"version":"1.2.3"}')
    })
    expect((await probeHealth(url, PASSWORD)).kind).toBe('unexpected')
    expect((await probeHealth(url, PASSWORD)).kind).toBe('unexpected')
  })

  it('is unexpected for another status, naming it', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(503).end(HEALTHY)
    })
    expect(await probeHealth(url, PASSWORD)).toEqual({ kind: 'unexpected', detail: 'HTTP 503' })
  })

  it('is unreachable, within its timeout, when the server never answers', async () => {
    const { url, requests } = await serve(hang)
    const started = Date.now()
    const probe = await probeHealth(url, PASSWORD, 200)
    const elapsed = Date.now() - started
    expect(probe.kind).toBe('unreachable')
    expect(requests()).toBe(1)
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(1000)
  })

  it('is unreachable when the server hangs after the headers', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"healthy":')
    })
    const started = Date.now()
    expect((await probeHealth(url, PASSWORD, 200)).kind).toBe('unreachable')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('is unreachable when nothing listens', async () => {
    const probe = await probeHealth(await closedPortUrl(), PASSWORD, 200)
    expect(probe.kind).toBe('unreachable')
    expect(probe).toMatchObject({ detail: expect.any(String) })
  })
})

describe('waitForHealthy', () => {
  it('waits through requests that are never answered', async () => {
    const { url, requests } = await serve((req, res, count) => {
      if (count <= 2) return
      healthy(req, res, count)
    })
    const health = await waitForHealthy(url, PASSWORD, {
      timeoutMs: 10_000,
      requestTimeoutMs: 200,
      intervalMs: 10,
    })
    expect(health).toEqual({ healthy: true, version: '1.2.3' })
    expect(requests()).toBe(3)
  })

  it('gives up at once on a 401: waiting will not change the password', async () => {
    const { url, requests } = await serve(healthy)
    const started = Date.now()
    const error = await timeoutOf(waitForHealthy(url, 'wrong', { timeoutMs: 10_000, intervalMs: 10 }))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error.last.kind).toBe('unauthorized')
    expect(error.reason).toBe('the server refuses the password')
    expect(error.message).toBe('the server refuses the password')
    expect(requests()).toBe(1)
  })

  it('times out on a server that is never ready', async () => {
    const { url } = await serve(hang)
    const started = Date.now()
    const error = await timeoutOf(
      waitForHealthy(url, PASSWORD, { timeoutMs: 500, requestTimeoutMs: 100, intervalMs: 10 }),
    )
    const elapsed = Date.now() - started
    expect(error.last.kind).toBe('unreachable')
    expect(error.reason).toBe('no healthy answer within 1 s')
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(3000)
  })

  it('times out with the last answer when the server answers something else', async () => {
    const { url } = await serve((_req, res) => {
      res.end('<html></html>')
    })
    const error = await timeoutOf(waitForHealthy(url, PASSWORD, { timeoutMs: 300, intervalMs: 10 }))
    expect(error.last.kind).toBe('unexpected')
  })

  it('gives up with the reason giveUp returns, asked every 10 attempts', async () => {
    const url = await closedPortUrl()
    const giveUp = vi.fn(async () =>
      giveUp.mock.calls.length >= 2 ? 'the container exited (code 1)' : undefined,
    )
    const error = await timeoutOf(
      waitForHealthy(url, PASSWORD, { timeoutMs: 20_000, requestTimeoutMs: 200, intervalMs: 1, giveUp }),
    )
    expect(error.reason).toBe('the container exited (code 1)')
    expect(error.message).toBe('the container exited (code 1)')
    expect(error.last.kind).toBe('unreachable')
    expect(giveUp).toHaveBeenCalledTimes(2)
  })

  it('does not ask giveUp before the tenth attempt', async () => {
    const { url, requests } = await serve((req, res, count) => {
      if (count < 9) res.writeHead(503).end()
      else healthy(req, res, count)
    })
    const giveUp = vi.fn(async () => 'should not be asked')
    expect(await waitForHealthy(url, PASSWORD, { timeoutMs: 10_000, intervalMs: 1, giveUp })).toEqual({
      healthy: true,
      version: '1.2.3',
    })
    expect(requests()).toBe(9)
    expect(giveUp).not.toHaveBeenCalled()
  })

  it('gives up on the tenth attempt when giveUp has a reason at once', async () => {
    const { url, requests } = await serve((_req, res) => {
      res.writeHead(503).end()
    })
    const error = await timeoutOf(
      waitForHealthy(url, PASSWORD, { timeoutMs: 10_000, intervalMs: 1, giveUp: async () => 'gone' }),
    )
    expect(error.reason).toBe('gone')
    expect(error.last).toEqual({ kind: 'unexpected', detail: 'HTTP 503' })
    expect(requests()).toBe(10)
  })
})
