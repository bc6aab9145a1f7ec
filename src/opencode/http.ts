import { plainGet, type HttpResponse } from './http-get.js'

export type { HttpResponse } from './http-get.js'

/**
 * Starts a GET before the code that needs it runs (a warm `run` asks for its server's health as
 * soon as its container inspect is back, while its flows still load). `sent` settles once the
 * request is on the wire (or failed); `response` is what the caller keeps for the flow.
 */
export function startGetAhead(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): { sent: Promise<void>; response: Promise<HttpResponse> } {
  let onSent!: () => void
  const sent = new Promise<void>((resolve) => (onSent = resolve))
  const response = plainGet(url, headers, timeoutMs, onSent)
  // Taken or not, a failure here is never unhandled (and the caller waits no longer).
  response.catch(() => undefined).finally(onSent)
  return { sent, response }
}

/**
 * GET with a per-request timeout, one connection each (http-get.ts). Not fetch: Node's fetch loads
 * undici on first use (~40 ms) and keeps the process alive ~70 ms after the last request, which
 * the warm path of `run` would pay every time (see bench/). The timer is a normal, ref'd one: a CLI
 * whose only pending work is a request that hangs (OpenCode's startup race) must wait for it.
 */
export function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  return plainGet(url, headers, timeoutMs)
}
