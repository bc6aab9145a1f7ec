import { usageError } from '../errors.js'

/**
 * Idle stop: an agent nobody uses stops by itself. A watcher in its container (docker/caiged-idle)
 * stops the server once no client has been connected and no session busy for the agent's
 * stopAfter; its gateway follows its agent. Nothing is removed: `run`, `connect` and `web` start it
 * again.
 */

/** What idle.stopAfter is when nothing says otherwise. */
export const DEFAULT_IDLE_STOP = '30m'

/**
 * The exit code of an agent its watcher stopped: the server ends on SIGHUP (128 + 1), a signal
 * nothing else in caiged sends (`docker stop` gives 143).
 */
export const IDLE_STOP_EXIT_CODE = 129

const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** "30m", "1h30m", "45s", "0" (never) as seconds; anything else is refused in one sentence. */
export function parseIdleDuration(text: string, where = '--idle-stop'): number {
  const trimmed = text.trim()
  if (trimmed === '0') return 0
  const match = DURATION.exec(trimmed)
  const [, h, m, s] = match ?? []
  if (!match || trimmed === '' || (h ?? m ?? s) === undefined) {
    throw usageError(
      `${where} ${JSON.stringify(text)} is not a duration.`,
      'Give hours, minutes and seconds such as 30m, 1h30m or 90s; 0 never stops an idle agent.',
    )
  }
  const seconds = Number(h ?? 0) * UNIT_SECONDS.h + Number(m ?? 0) * UNIT_SECONDS.m + Number(s ?? 0)
  if (seconds > 30 * 24 * 3600)
    throw usageError(`${where} ${text} is longer than 30 days.`, 'Use 0 to never stop an idle agent.')
  return seconds
}

/** Seconds as the shortest duration text ("30m", "1h30m", "45s"; "0" for never). */
export function formatIdleDuration(seconds: number): string {
  if (seconds <= 0) return '0'
  const parts: string[] = []
  let left = seconds
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(left / size)
    if (n > 0) parts.push(`${n}${unit}`)
    left -= n * size
  }
  return parts.join('')
}

/**
 * The "Exited (129) 31 minutes ago" docker ps says of a container its watcher stopped, as "31m"
 * (how long it has been stopped); undefined for anything else.
 */
export function idleStoppedFor(psStatus: string): string | undefined {
  const match = /^Exited \((\d+)\) (.+) ago$/.exec(psStatus.trim())
  if (!match || Number(match[1]) !== IDLE_STOP_EXIT_CODE) return undefined
  const ago = match[2] as string
  const amount = /^(\d+) (second|minute|hour|day|week|month|year)s?$/.exec(ago)
  if (amount) return `${amount[1]}${(amount[2] as string) === 'month' ? 'mo' : (amount[2] as string)[0]}`
  if (/^About a minute$/.test(ago)) return '1m'
  if (/^About an hour$/.test(ago)) return '1h'
  return ago
}
