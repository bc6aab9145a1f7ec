import http from 'node:http'
import { StartedAhead } from '../started-ahead.js'

export interface HttpResponse {
  status: number
  body: string
}

/** GETs started ahead of need, by URL and headers (see startGetAhead). */
const startedAhead = new StartedAhead<HttpResponse>()
const aheadKey = (url: URL, headers: Record<string, string>) => JSON.stringify([url.href, headers])

/**
 * Starts a GET before the code that needs it runs (a warm `run` asks for its server's health as
 * soon as its container inspect is back, while its flows still load): the first httpGet of the
 * same URL and headers takes it.
 */
export function startGetAhead(url: URL, headers: Record<string, string>, timeoutMs: number): void {
  if (startedAhead.closed) return
  const request = httpGet(url, headers, timeoutMs)
  // Taken or not, a failure here is never unhandled.
  request.catch(() => undefined)
  startedAhead.keep(aheadKey(url, headers), request)
}

/**
 * Forgets every GET started ahead, and starts none after: what they asked of may have changed (a
 * container that is being recreated or started answers for the old one, or not at all).
 */
export function discardGetsAhead(): void {
  startedAhead.close()
}

/**
 * GET with a per-request timeout, over node:http without keep-alive. Not fetch: Node's fetch loads
 * undici on first use (~40 ms) and keeps the process alive ~70 ms after the last request, which
 * the warm path of `run` would pay every time (see bench/). The timer is a normal, ref'd one: a CLI
 * whose only pending work is a request that hangs (OpenCode's startup race) must wait for it.
 */
export function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  const ahead = startedAhead.take(aheadKey(url, headers))
  if (ahead) return ahead
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => {
        clearTimeout(timer)
        resolve({ status: response.statusCode ?? 0, body })
      })
      response.on('error', fail)
    })
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    function fail(error: Error) {
      clearTimeout(timer)
      reject(error)
    }
    request.on('error', fail)
  })
}
