import type { Deps } from '../deps.js'
import { deniedReport, parseEgressLine, summarize } from '../egress/log.js'

/**
 * What the agent's gateway refused since a moment (a session's start), as the lines to print; none
 * when it refused nothing or has no gateway. Never fails the command it closes.
 */
export async function deniedSince(
  agent: string,
  sinceMs: number,
  d: Pick<Deps, 'docker' | 'containers'>,
): Promise<string[]> {
  try {
    const gateway = await d.containers.gateways.find(agent)
    if (!gateway) return []
    const text = await d.docker.containers.logLines(gateway.Id, { since: new Date(sinceMs).toISOString() })
    const events = text.split('\n').flatMap((line) => parseEgressLine(line) ?? [])
    return deniedReport(agent, summarize(events.filter((e) => e.time * 1000 >= sinceMs)))
  } catch {
    return []
  }
}
