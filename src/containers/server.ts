import type { PortInside } from '../docker/engine.js'
import { gatewayName } from '../egress/names.js'
import { Label } from '../labels.js'

/** The port OpenCode's server listens on inside every caiged container. */
export const SERVER_PORT = 4096

/** The one URL form a caiged server is reached at: loopback only, on the port published for it. */
export const serverUrl = (port: number): string => `http://127.0.0.1:${port}`

/** The host port a caiged container's server is published on, from its labels (the Go caiged's too). */
export function portFromLabels(labels: Record<string, string>): number | undefined {
  const port = Number(labels[Label.port] ?? labels[Label.legacyPort])
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}

/** Who publishes an agent's port (its gateway, else itself), for an engine reached only through docker. */
export function portInside(agent: string, port: number = SERVER_PORT): PortInside {
  return { gateway: gatewayName(agent), agent, port }
}
