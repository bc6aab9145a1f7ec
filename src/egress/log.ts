import { GITHUB_SCOPE_PAGE } from './github-scope.js'
import { DEFAULT_PORTS } from './rules.js'

/** One request the gateway saw, from its access log (docker/egress/squid.conf logformat caiged). */
export interface EgressEvent {
  time: number
  method: string
  host: string
  port: number
  status: number
  decision: 'allowed' | 'denied'
  /** A refusal by a rule of caiged's own rather than the host policy: which. */
  rule?: 'github.scope'
}

/** A destination with what was decided for it, how often and when last. */
export interface EgressLogRow {
  destination: string
  decision: 'allowed' | 'denied'
  /** Refused by a rule other than the host policy (github.scope): which. */
  rule?: 'github.scope'
  count: number
  last: string
  /** For a denied one: the command that allows it. */
  fix?: string
}

// The error page comes last; gateways made before it was logged leave it out.
const LINE = /^caiged-egress (\d+(?:\.\d+)?) (\S+) (\S+) (\S+) (\d{3}) (\S+)(?: (\S+))?$/

/** Parses one log line; anything else (squid's own messages) is undefined. */
export function parseEgressLine(line: string): EgressEvent | undefined {
  const m = LINE.exec(line.trim())
  if (!m) return undefined
  const [, time, method, host, port, status, result, page] = m as unknown as string[]
  const portNumber = Number(port)
  const denied = /DENIED/.test(result as string)
  return {
    time: Number(time),
    method: method as string,
    host: (host as string).replace(/^\[|\]$/g, ''),
    port: Number.isInteger(portNumber) && portNumber > 0 ? portNumber : method === 'CONNECT' ? 443 : 80,
    status: Number(status),
    // Refused by the policy (TCP_DENIED, with 403); anything else got through to the destination.
    decision: denied ? 'denied' : 'allowed',
    ...(denied && page === GITHUB_SCOPE_PAGE ? { rule: 'github.scope' as const } : {}),
  }
}

export const destinationOf = (e: Pick<EgressEvent, 'host' | 'port'>): string => `${e.host}:${e.port}`

/** Destinations by decision, most recent first. */
export function summarize(events: EgressEvent[]): EgressLogRow[] {
  const rows = new Map<string, { row: EgressLogRow; time: number }>()
  for (const e of events) {
    const key = `${destinationOf(e)} ${e.decision} ${e.rule ?? ''}`
    const seen = rows.get(key)
    if (seen) {
      seen.row.count++
      if (e.time >= seen.time) {
        seen.time = e.time
        seen.row.last = isoTime(e.time)
      }
    } else {
      rows.set(key, {
        row: {
          destination: destinationOf(e),
          decision: e.decision,
          ...(e.rule ? { rule: e.rule } : {}),
          count: 1,
          last: isoTime(e.time),
        },
        time: e.time,
      })
    }
  }
  return [...rows.values()].sort((a, b) => b.time - a.time).map((r) => r.row)
}

/**
 * The command that allows a denied destination for this agent: the host alone for the web's own
 * ports (a rule without a port allows 80 and 443), else host:port.
 */
export function allowCommand(agent: string, e: Pick<EgressEvent, 'host' | 'port'>): string {
  const rule = (DEFAULT_PORTS as readonly number[]).includes(e.port) ? e.host : `${e.host}:${e.port}`
  return `caiged egress allow ${agent} ${rule}`
}

/** What lets a write through that github.scope project refused: the token's full reach. */
export const GITHUB_SCOPE_FIX = 'caiged config set github.scope any (then caiged run again)'

/** The rows with, on each denied one, the command that allows it. */
export function withFixes(agent: string, rows: EgressLogRow[]): EgressLogRow[] {
  return rows.map((r) => {
    if (r.decision !== 'denied') return r
    if (r.rule === 'github.scope') return { ...r, fix: GITHUB_SCOPE_FIX }
    const at = r.destination.lastIndexOf(':')
    return {
      ...r,
      fix: allowCommand(agent, {
        host: r.destination.slice(0, at),
        port: Number(r.destination.slice(at + 1)),
      }),
    }
  })
}

/** What to say after a session about the destinations the agent was refused during it (none: nothing). */
export function deniedReport(agent: string, rows: EgressLogRow[]): string[] {
  const denied = withFixes(agent, rows).filter((r) => r.decision === 'denied')
  if (denied.length === 0) return []
  return [
    `The egress policy of ${agent} refused ${denied.length === 1 ? 'one destination' : `${denied.length} destinations`} during this session:`,
    ...denied.map(
      (r) =>
        `  ${r.destination}${r.rule ? ` (a write outside the project's repository, ${r.rule} project)` : ''} (${r.count}×) — to allow it: ${r.fix}`,
    ),
  ]
}

export const isoTime = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString()
