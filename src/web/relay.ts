import { randomBytes, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'

/**
 * `caiged web`'s relay: a local server on 127.0.0.1 that holds the agent's password and adds it to
 * each request it passes to the OpenCode server, for the one browser it was opened for. That
 * browser is admitted once, by a single-use link (`/__caiged/admit/<token>`): the link sets an
 * HttpOnly cookie and is dead afterwards, so neither the password nor a usable secret stays in an
 * argv or the browser's history. Everything else, and any other Host (DNS rebinding), is refused.
 */
export interface WebRelay {
  /** Where the relay listens. */
  origin: string
  /** The single-use link that admits a browser and lands it on the workspace. */
  admissionUrl: string
  close(): Promise<void>
}

const COOKIE = 'caiged_web'
const ADMIT = '/__caiged/admit/'

export async function startWebRelay(o: {
  upstreamPort: number
  password: string
  /** Where an admitted browser lands, e.g. the workspace's page of the web UI. */
  landing: string
  username?: string
}): Promise<WebRelay> {
  const token = randomBytes(32).toString('base64url')
  const session = randomBytes(32).toString('base64url')
  let admitted = false
  const authorization = `Basic ${Buffer.from(`${o.username ?? 'opencode'}:${o.password}`).toString('base64')}`
  let origin = ''

  const sameHost = (req: http.IncomingMessage) => {
    const port = new URL(origin).port
    return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`
  }
  const hasSession = (req: http.IncomingMessage) => {
    const value = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1)
    return (
      value !== undefined &&
      value.length === session.length &&
      timingSafeEqual(Buffer.from(value), Buffer.from(session))
    )
  }
  /** The browser's headers for the server: its password added, the relay's cookie and Host not passed on. */
  const upstreamHeaders = (req: http.IncomingMessage) => {
    const headers: http.OutgoingHttpHeaders = {
      ...req.headers,
      authorization,
      host: `127.0.0.1:${o.upstreamPort}`,
    }
    delete headers.cookie
    return headers
  }

  const server = http.createServer((req, res) => {
    const refuse = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      res.end(`${text}\n`)
    }
    if (!sameHost(req)) return refuse(421, 'caiged web: this relay answers only to 127.0.0.1.')
    if (req.url?.startsWith(ADMIT)) {
      const given = req.url.slice(ADMIT.length)
      const valid =
        !admitted && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token))
      if (!valid)
        return refuse(
          403,
          'caiged web: this link was used already, or was never valid. Run caiged web again.',
        )
      admitted = true
      res.writeHead(303, {
        location: o.landing,
        'set-cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      })
      return res.end()
    }
    if (!hasSession(req)) return refuse(403, 'caiged web: not admitted. Open the link caiged web printed.')
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: o.upstreamPort,
        method: req.method,
        path: req.url,
        headers: upstreamHeaders(req),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        // Piped as it comes: the event stream (SSE) is never buffered.
        answer.pipe(res)
      },
    )
    upstream.on('error', () =>
      res.headersSent ? res.destroy() : refuse(502, 'caiged web: the OpenCode server does not answer.'),
    )
    req.pipe(upstream)
  })

  // WebSockets (the web UI's terminal): checked the same way, then bytes both ways.
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (!sameHost(req) || !hasSession(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n')
      return
    }
    const upstream = net.connect(o.upstreamPort, '127.0.0.1', () => {
      const headers = upstreamHeaders(req)
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (const [key, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value])
          if (v !== undefined) lines.push(`${key}: ${v}`)
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return {
    origin,
    admissionUrl: `${origin}${ADMIT}${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The web UI's page of a project folder: its path, base64url-encoded, then /session. */
export function workspacePage(directory: string): string {
  return `/${Buffer.from(directory).toString('base64url')}/session`
}
