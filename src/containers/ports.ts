/** The range the original allocated from, kept so habits and firewall rules stay valid. */
export const PORT_RANGE = { first: 4096, last: 5095 } as const

/**
 * Ports to try, in order: the range, minus every port a caiged container holds (running or
 * stopped: a stopped container gets its port back on start).
 */
export function candidatePorts(taken: Iterable<number>): number[] {
  const held = new Set(taken)
  const ports: number[] = []
  for (let port = PORT_RANGE.first; port <= PORT_RANGE.last; port++) if (!held.has(port)) ports.push(port)
  return ports
}
