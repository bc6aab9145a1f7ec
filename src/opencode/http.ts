import { StartedAhead } from '../started-ahead.js'
import { plainGet, type HttpResponse } from './http-get.js'

export type { HttpResponse } from './http-get.js'

/** GETs started ahead of need, by URL and headers (see startGetAhead). */
const startedAhead = new StartedAhead<HttpResponse>()
const aheadKey = (url: URL, headers: Record<string, string>) => JSON.stringify([url.href, headers])

/**
 * Starts a GET before the code that needs it runs (a warm `run` asks for its server's health as
 * soon as its container inspect is back, while its flows still load): the first httpGet of the
 * same URL and headers takes it.
 */
export function startGetAhead(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  if (startedAhead.closed) return Promise.resolve()
  return new Promise((sent) => {
    const request = plainGet(url, headers, timeoutMs, sent)
    // Taken or not, a failure here is never unhandled (and the caller waits no longer).
    request.catch(() => undefined).finally(sent)
    startedAhead.keep(aheadKey(url, headers), request)
  })
}

/**
 * Forgets every GET started ahead, and starts none after: what they asked of may have changed (a
 * container that is being recreated or started answers for the old one, or not at all).
 */
export function discardGetsAhead(): void {
  startedAhead.close()
}

/**
 * GET with a per-request timeout, one connection each (http-get.ts). Not fetch: Node's fetch loads
 * undici on first use (~40 ms) and keeps the process alive ~70 ms after the last request, which
 * the warm path of `run` would pay every time (see bench/). The timer is a normal, ref'd one: a CLI
 * whose only pending work is a request that hangs (OpenCode's startup race) must wait for it.
 */
export function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  return startedAhead.take(aheadKey(url, headers)) ?? plainGet(url, headers, timeoutMs)
}
