import type { ListedContainer } from '../docker/container-client.js'
import { Label } from '../labels.js'
import { SERVER_PORT, portFromLabels } from './server.js'

/** A caiged container as `containers list` shows it. */
export interface ContainerRow {
  name: string
  id: string
  spin: string
  project: string
  workdir: string
  state: string
  status: string
  /** The host port on 127.0.0.1 that reaches the server, when known. */
  port: number | undefined
  image: string
  opencodeVersion: string
}

/** Turns one `docker ps` line into a row. Pure. */
export function toContainerRow(entry: ListedContainer): ContainerRow {
  const labels = entry.labelMap
  return {
    name: entry.Names,
    id: entry.ID.slice(0, 12),
    spin: labels[Label.spin] ?? '',
    project: labels[Label.project] ?? '',
    workdir: labels[Label.workdir] ?? '',
    state: entry.State,
    status: entry.Status,
    port: livePortOr(labels, entry.Ports),
    image: entry.Image,
    opencodeVersion: labels[Label.opencodeVersion] ?? '',
  }
}

const LIVE_PORT = new RegExp(
  `(?:^|,\\s*)(?:127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1?\\]):(\\d+)->${SERVER_PORT}/tcp`,
)

/** A running container's live mapping wins; a stopped one has none, so its labels say. */
function livePortOr(labels: Record<string, string>, ports: string): number | undefined {
  const live = Number(LIVE_PORT.exec(ports)?.[1])
  return Number.isInteger(live) && live > 0 && live < 65536 ? live : portFromLabels(labels)
}
