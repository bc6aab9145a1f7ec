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

export interface WebRelayOptions {
  upstreamPort: number
  password: string
  /** Where an admitted browser lands, e.g. the workspace's page of the web UI. */
  landing: string
  username?: string
}

const COOKIE = 'caiged_web'
const ADMIT = '/__caiged/admit/'

/** Compares a secret in constant time, so its timing tells nothing of how much of it was right. */
function sameSecret(given: string, secret: string): boolean {
  return given.length === secret.length && timingSafeEqual(Buffer.from(given), Buffer.from(secret))
}

/** A plain-text refusal, never cached. */
function refuse(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
  res.end(`${text}\n`)
}

/** The relay's secrets and state, and its answers to requests and WebSocket upgrades. */
class Relay {
  readonly token = randomBytes(32).toString('base64url')
  private readonly session = randomBytes(32).toString('base64url')
  private admitted = false
  private readonly authorization: string
  /** Set once the server listens (no request arrives before). */
  origin = ''

  constructor(private readonly o: WebRelayOptions) {
    this.authorization = `Basic ${Buffer.from(`${o.username ?? 'opencode'}:${o.password}`).toString('base64')}`
  }

  /** Only the Host the relay listens on: any other is a DNS-rebinding page's. */
  private sameHost(req: http.IncomingMessage): boolean {
    const port = new URL(this.origin).port
    return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`
  }

  private hasSession(req: http.IncomingMessage): boolean {
    const value = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1)
    return value !== undefined && sameSecret(value, this.session)
  }

  /** The browser's headers for the server: its password added, the relay's cookie and Host not passed on. */
  private upstreamHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {
      ...req.headers,
      authorization: this.authorization,
      host: `127.0.0.1:${this.o.upstreamPort}`,
    }
    delete headers.cookie
    return headers
  }

  /** Every HTTP request: the Host checked, then the admission link, or a session's request passed on. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.sameHost(req)) return refuse(res, 421, 'caiged web: this relay answers only to 127.0.0.1.')
    if (req.url?.startsWith(ADMIT)) return this.admit(req.url.slice(ADMIT.length), res)
    if (!this.hasSession(req))
      return refuse(res, 403, 'caiged web: not admitted. Open the link caiged web printed.')
    this.proxy(req, res)
  }

  /** The single-use link: the first valid use sets the session cookie and lands on the workspace. */
  private admit(given: string, res: http.ServerResponse): void {
    if (this.admitted || !sameSecret(given, this.token))
      return refuse(
        res,
        403,
        'caiged web: this link was used already, or was never valid. Run caiged web again.',
      )
    this.admitted = true
    res.writeHead(303, {
      location: this.o.landing,
      'set-cookie': `${COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    res.end()
  }

  /** An admitted browser's request, passed to the OpenCode server with its password. */
  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: this.o.upstreamPort,
        method: req.method,
        path: req.url,
        headers: this.upstreamHeaders(req),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        // Piped as it comes: the event stream (SSE) is never buffered.
        answer.pipe(res)
      },
    )
    upstream.on('error', () =>
      res.headersSent ? res.destroy() : refuse(res, 502, 'caiged web: the OpenCode server does not answer.'),
    )
    req.pipe(upstream)
  }

  /** WebSockets (the web UI's terminal): checked the same way, then bytes both ways. */
  handleUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    if (!this.sameHost(req) || !this.hasSession(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n')
      return
    }
    const upstream = net.connect(this.o.upstreamPort, '127.0.0.1', () => {
      upstream.write(requestHead(req, this.upstreamHeaders(req)))
      if (head.length) upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  }
}

/** The raw HTTP/1.1 request line and headers of an upgrade, as the server is to receive them. */
function requestHead(req: http.IncomingMessage, headers: http.OutgoingHttpHeaders): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`]
  for (const [key, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${key}: ${v}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

export async function startWebRelay(o: WebRelayOptions): Promise<WebRelay> {
  const relay = new Relay(o)
  const server = http.createServer((req, res) => relay.handleRequest(req, res))
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
    relay.handleUpgrade(req, socket, head),
  )
  relay.origin = await listenOnLoopback(server)
  return {
    origin: relay.origin,
    admissionUrl: `${relay.origin}${ADMIT}${relay.token}`,
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
