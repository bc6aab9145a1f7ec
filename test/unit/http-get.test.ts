import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseResponse, plainGet } from '../../src/opencode/http-get.js'

const servers: net.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function listen(server: net.Server): Promise<URL> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/global/health?x=1`)
}

/** A server that answers every connection with these raw bytes, in these pieces. */
const rawServer = (...pieces: string[]) =>
  net.createServer((socket) => {
    socket.once('data', async () => {
      for (const piece of pieces) {
        socket.write(piece)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      socket.end()
    })
  })

describe('plainGet against a real node:http server', () => {
  it('sends the path, query, host and headers, and reads a Content-Length answer', async () => {
    let seen: http.IncomingMessage | undefined
    const url = await listen(
      http.createServer((req, res) => {
        seen = req
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ healthy: true, version: '1.2.3', note: 'ünïcode' }))
      }),
    )
    let sent = false
    const response = await plainGet(url, { authorization: 'Basic abc' }, 1000, () => (sent = true))
    expect(sent).toBe(true)
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toEqual({ healthy: true, version: '1.2.3', note: 'ünïcode' })
    expect(seen?.url).toBe('/global/health?x=1')
    expect(seen?.headers.authorization).toBe('Basic abc')
    expect(seen?.headers.host).toBe(url.host)
    expect(seen?.headers.connection).toBe('close')
  })

  it('reads a chunked answer, written in several pieces, and a 401 with no body', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        if (req.headers.authorization !== 'Basic ok') {
          res.statusCode = 401
          res.end()
          return
        }
        res.write('{"a":')
        setTimeout(() => res.end('1}'), 10)
      }),
    )
    expect(await plainGet(url, { authorization: 'Basic ok' }, 1000)).toEqual({ status: 200, body: '{"a":1}' })
    expect(await plainGet(url, { authorization: 'Basic no' }, 1000)).toEqual({ status: 401, body: '' })
  })
})

describe('plainGet against raw answers', () => {
  it('reads a body that ends where the connection does, and one that comes in pieces', async () => {
    expect(await plainGet(await listen(rawServer('HTTP/1.0 200 OK\r\n\r\nuntil close')), {}, 1000)).toEqual({
      status: 200,
      body: 'until close',
    })
    const url = await listen(rawServer('HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\n\r\nhe', 'llo'))
    expect(await plainGet(url, {}, 1000)).toEqual({ status: 200, body: 'hello' })
  })

  it('fails clearly on what is not HTTP, a cut answer, no answer, and a closed port', async () => {
    await expect(plainGet(await listen(rawServer('SSH-2.0-OpenSSH\r\n\r\n')), {}, 1000)).rejects.toThrow(
      /no HTTP status line/,
    )
    await expect(
      plainGet(await listen(rawServer('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')), {}, 1000),
    ).rejects.toThrow(/before the whole answer/)
    // A server that takes the connection and never answers: the timeout ends the wait.
    const held: net.Socket[] = []
    const silent = await listen(net.createServer((socket) => held.push(socket)))
    await expect(plainGet(silent, {}, 100)).rejects.toThrow(/no answer within 100 ms/)
    for (const socket of held) socket.destroy()
    await new Promise((resolve) => (servers.pop() as net.Server).close(resolve))
    await expect(plainGet(silent, {}, 1000)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('refuses a header that would break the request, and a URL that is not http', async () => {
    const url = new URL('http://127.0.0.1:9/')
    await expect(plainGet(url, { authorization: 'a\r\nX-Evil: 1' }, 100)).rejects.toThrow(/invalid header/)
    await expect(plainGet(new URL('https://127.0.0.1/'), {}, 100)).rejects.toThrow(/only http:/)
  })
})

describe('parseResponse', () => {
  const parse = (text: string, closed = false) => parseResponse(Buffer.from(text, 'latin1'), closed)
  it('waits for a complete head and body, and decodes chunks with extensions', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n')).toBeUndefined()
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na')).toBeUndefined()
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n')).toBeUndefined()
    expect(
      parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n1\r\nd\r\n0\r\n\r\n'),
    ).toEqual({ status: 200, body: 'abcd' })
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toEqual({ status: 204, body: '' })
  })
  it('refuses what it cannot read', () => {
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toThrow(/invalid Content-Length/)
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/chunk size/)
    expect(() => parse('HTTP/1.1 200 OK\r\n', true)).toThrow(/no complete HTTP head/)
  })
})
