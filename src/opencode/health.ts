import { OPENCODE_V1 } from './dialect.js'
import { z } from 'zod/v3'
import { httpGet, type HttpResponse } from './http.js'

const HealthSchema = z.object({ healthy: z.boolean(), version: z.string() })
export type Health = z.infer<typeof HealthSchema>

export type Probe =
  | { kind: 'healthy'; health: Health }
  | { kind: 'unauthorized' }
  | { kind: 'unexpected'; detail: string }
  | { kind: 'unreachable'; detail: string }

export function basicAuth(password: string, username = 'opencode'): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
}

/** The health request probeHealth makes (ahead.ts starts the same one early). */
export const healthRequest = (baseUrl: string, password: string) =>
  [new URL(OPENCODE_V1.healthPath, baseUrl), { authorization: basicAuth(password) }] as const

/** How long one health request may take before it counts as unanswered. */
export const HEALTH_REQUEST_TIMEOUT_MS = 500

/**
 * One authenticated GET /global/health. Every request has its own short timeout: a request that
 * arrives just as the server starts listening is never answered, and would otherwise hang for ever.
 */
export async function probeHealth(
  baseUrl: string,
  password: string,
  requestTimeoutMs = HEALTH_REQUEST_TIMEOUT_MS,
  /** The same request, started ahead (src/prefetched.ts): its answer is this probe's. */
  ahead?: Promise<HttpResponse>,
): Promise<Probe> {
  let response: HttpResponse
  try {
    response = await (ahead ?? httpGet(...healthRequest(baseUrl, password), requestTimeoutMs))
  } catch (error) {
    return { kind: 'unreachable', detail: (error as Error).message }
  }
  if (response.status === 401) return { kind: 'unauthorized' }
  if (response.status !== 200) return { kind: 'unexpected', detail: `HTTP ${response.status}` }
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    return { kind: 'unexpected', detail: 'not JSON (is this an OpenCode server?)' }
  }
  const parsed = HealthSchema.safeParse(json)
  if (!parsed.success || !parsed.data.healthy)
    return { kind: 'unexpected', detail: response.body.slice(0, 100) }
  return { kind: 'healthy', health: parsed.data }
}

export interface WaitOptions {
  timeoutMs?: number
  requestTimeoutMs?: number
  intervalMs?: number
  /** Stop early (e.g. the container exited); return a reason to give up with. */
  giveUp?: () => Promise<string | undefined>
  /** Time, injected so a test can run the poll without waiting (deps.ts Clock). */
  clock?: { now(): number; sleep(ms: number): Promise<void> }
  /** The first probe's request, started ahead of the flow (src/prefetched.ts). */
  firstAnswer?: Promise<HttpResponse>
}

const realTime = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
}

export class HealthTimeout extends Error {
  constructor(
    readonly last: Probe,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/** Polls until the server answers healthy with this password; any other server or a 401 is not ready. */
export async function waitForHealthy(
  baseUrl: string,
  password: string,
  options: WaitOptions = {},
): Promise<Health> {
  const clock = options.clock ?? realTime
  const deadline = clock.now() + (options.timeoutMs ?? 60_000)
  let last: Probe = { kind: 'unreachable', detail: 'not asked yet' }
  let attempt = 0
  let ahead = options.firstAnswer
  for (;;) {
    last = await probeHealth(baseUrl, password, options.requestTimeoutMs ?? HEALTH_REQUEST_TIMEOUT_MS, ahead)
    ahead = undefined
    if (last.kind === 'healthy') return last.health
    // A 401 comes from a running server that refuses this password: waiting will not change it.
    if (last.kind === 'unauthorized') throw new HealthTimeout(last, 'the server refuses the password')
    attempt++
    // Checking whether to give up costs a docker call: not on every 100 ms poll.
    if (options.giveUp && attempt % 10 === 0) {
      const reason = await options.giveUp()
      if (reason) throw new HealthTimeout(last, reason)
    }
    if (clock.now() >= deadline) {
      throw new HealthTimeout(
        last,
        `no healthy answer within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`,
      )
    }
    await clock.sleep(options.intervalMs ?? 100)
  }
}
