/**
 * fetch with a per-request timeout held by a ref'd timer. AbortSignal.timeout's timer is unref'd:
 * a CLI whose only pending work is a hanging request would exit with code 13 ("unsettled top-level
 * await") instead of waiting for the timeout.
 */
export async function fetchWithTimeout(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const response = await fetch(url, { ...init, signal: controller.signal })
    // Read the body under the same timeout: a server can hang after the headers too.
    const body = await response.arrayBuffer()
    return new Response(body, { status: response.status, headers: response.headers })
  } finally {
    clearTimeout(timer)
  }
}
