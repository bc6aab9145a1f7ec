import http from 'node:http'
import type net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startWebRelay, workspacePage, type WebRelay } from '../../src/web/relay.js'

/** A stand-in for the OpenCode server on 127.0.0.1: it echoes what reached it, and streams /event. */
async function upstream(): Promise<{ port: number; seen: http.IncomingHttpHeaders[]; close: () => void }> {
  const seen: http.IncomingHttpHeaders[] = []
  const server = http.createServer((req, res) => {
    seen.push(req.headers)
    if (req.url === '/event') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: first\n\n')
      setTimeout(() => res.end('data: second\n\n'), 300)
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`you asked for ${req.url}`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { port: (server.address() as net.AddressInfo).port, seen, close: () => server.close() }
}

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function relayed(): Promise<{ relay: WebRelay; server: Awaited<ReturnType<typeof upstream>> }> {
  const server = await upstream()
  const relay = await startWebRelay({
    upstreamPort: server.port,
    password: 'pw-SECRET',
    landing: workspacePage('/workspace'),
  })
  closers.push(() => relay.close(), server.close)
  return { relay, server }
}

/** Admits like a browser: follows nothing, keeps the cookie. */
async function admit(relay: WebRelay): Promise<string> {
  const answer = await fetch(relay.admissionUrl, { redirect: 'manual' })
  expect(answer.status).toBe(303)
  expect(answer.headers.get('location')).toBe('/L3dvcmtzcGFjZQ/session')
  const cookie = answer.headers.get('set-cookie') as string
  expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Path=\//)
  return cookie.split(';')[0] as string
}

describe('the web relay', () => {
  it('admits one browser once, then passes its requests on with the password the browser never sees', async () => {
    const { relay, server } = await relayed()
    const cookie = await admit(relay)
    const page = await fetch(`${relay.origin}/L3dvcmtzcGFjZQ/session`, { headers: { cookie } })
    expect(await page.text()).toBe('you asked for /L3dvcmtzcGFjZQ/session')
    const reached = server.seen.at(-1) as http.IncomingHttpHeaders
    expect(reached.authorization).toBe(`Basic ${Buffer.from('opencode:pw-SECRET').toString('base64')}`)
    expect(reached.cookie).toBeUndefined()
    expect(relay.admissionUrl).not.toContain('pw-SECRET')
    // The link is single-use: a second browser (or a history entry) gets nothing.
    expect((await fetch(relay.admissionUrl, { redirect: 'manual' })).status).toBe(403)
  })

  it('refuses a request without the admission, and any Host but its own', async () => {
    const { relay, server } = await relayed()
    const bare = await fetch(`${relay.origin}/session`)
    expect(bare.status).toBe(403)
    expect(await bare.text()).toContain('not admitted')
    expect((await fetch(`${relay.origin}/session`, { headers: { cookie: 'caiged_web=guess' } })).status).toBe(
      403,
    )
    const cookie = await admit(relay)
    const port = new URL(relay.origin).port
    const rebound = await new Promise<number>((resolve) => {
      http.get(
        { host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}`, cookie } },
        (r) => resolve(r.statusCode ?? 0),
      )
    })
    expect(rebound).toBe(421)
    expect(server.seen).toEqual([])
  })

  it('streams the event stream as it comes, not buffered', async () => {
    const { relay } = await relayed()
    const cookie = await admit(relay)
    const answer = await fetch(`${relay.origin}/event`, { headers: { cookie } })
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader()
    const started = Date.now()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toBe('data: first\n\n')
    expect(Date.now() - started).toBeLessThan(250)
    await reader.cancel()
  })
})
