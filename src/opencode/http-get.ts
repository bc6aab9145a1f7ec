import net from 'node:net'

export interface HttpResponse {
  status: number
  body: string
}

/**
 * One HTTP/1.1 GET over node:net to a server on this machine (the OpenCode server's health and
 * sessions): the request is one write, the answer is read whole (Content-Length, chunked, or up to
 * the close `Connection: close` asks for). Not node:http: loading it and running its client code
 * for the first time cost a warm `run` ~7 ms of main thread on Node 22, on the path every run waits
 * for (bench/), and caiged needs none of what it adds (agents, keep-alive, upgrades, streaming).
 * `onSent` is called once the request is on the wire.
 */
export function plainGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  onSent?: () => void,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:') throw new Error(`only http: URLs are requested, not ${url.protocol}`)
    const head = requestHead(url, headers)
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) })
    const chunks: Buffer[] = []
    let settled = false
    const finish = (error: Error | undefined, response?: HttpResponse) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(response as HttpResponse)
    }
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    socket.once('connect', () => socket.write(head, () => onSent?.()))
    const read = (closed: boolean) => {
      try {
        const response = parseResponse(Buffer.concat(chunks), closed)
        if (response) finish(undefined, response)
      } catch (error) {
        finish(error as Error)
      }
    }
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      read(false)
    })
    socket.once('end', () => read(true))
    socket.once('error', (error) => finish(error))
    socket.once('close', () => finish(new Error('the connection closed before an answer')))
  })
}

/** The request line and headers; a header that would break the request is refused, not sent. */
function requestHead(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close']
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]+$/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid header ${name}`)
    lines.push(`${name}: ${value}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

/**
 * The response in `data` once it is complete (undefined while it is not); `closed` when the server
 * has closed the connection, which ends a body that has no length. A malformed answer throws.
 */
export function parseResponse(data: Buffer, closed: boolean): HttpResponse | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end < 0) {
    if (closed) throw new Error('the server answered with no complete HTTP head')
    return undefined
  }
  const [statusLine = '', ...headerLines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)
  if (!status) throw new Error(`the server answered with no HTTP status line: ${statusLine.slice(0, 60)}`)
  const fields = new Map<string, string>()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const body = data.subarray(end + 4)
  const done = (bytes: Buffer) => ({ status: Number(status[1]), body: bytes.toString('utf8') })
  if (/\bchunked\b/i.test(fields.get('transfer-encoding') ?? '')) {
    const decoded = dechunk(body)
    if (decoded) return done(decoded)
    if (closed) throw new Error('the server closed the connection inside a chunked answer')
    return undefined
  }
  const length = fields.get('content-length')
  if (length !== undefined) {
    if (!/^\d+$/.test(length))
      throw new Error(`the server answered with an invalid Content-Length: ${length}`)
    if (body.length >= Number(length)) return done(body.subarray(0, Number(length)))
    if (closed) throw new Error('the server closed the connection before the whole answer came')
    return undefined
  }
  // Statuses that never have a body, else one that ends where the connection does.
  if (/^(1\d\d|204|304)$/.test(status[1] as string)) return done(Buffer.alloc(0))
  return closed ? done(body) : undefined
}

/** A chunked body decoded, or undefined while its last (zero-size) chunk has not come. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at)
    if (lineEnd < 0) return undefined
    const sizeText = data.subarray(at, lineEnd).toString('latin1').split(';')[0]?.trim() ?? ''
    if (!/^[0-9a-fA-F]+$/.test(sizeText))
      throw new Error(`the server sent an invalid chunk size: ${sizeText}`)
    const size = parseInt(sizeText, 16)
    if (size === 0) return Buffer.concat(parts)
    if (data.length < lineEnd + 2 + size + 2) return undefined
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}
