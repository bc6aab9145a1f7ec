import type { ListedContainer } from '../docker/container-client.js'
import { Label } from './labels.js'

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
    port: portOf(labels, entry.Ports),
    image: entry.Image,
    opencodeVersion: labels[Label.opencodeVersion] ?? '',
  }
}

function portOf(labels: Record<string, string>, ports: string): number | undefined {
  // A running container's live mapping wins; a stopped one has none, so fall back to its labels.
  const live = /(?:^|,\s*)(?:127\.0\.0\.1|0\.0\.0\.0|\[::1?\]):(\d+)->4096\/tcp/.exec(ports)
  const value = live?.[1] ?? labels[Label.port] ?? labels[Label.legacyPort]
  const port = Number(value)
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}
