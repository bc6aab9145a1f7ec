import type { ListedContainer } from '../docker/container-client.js'
import { idleStoppedFor } from './idle.js'
import { Label } from '../labels.js'
import { publishedFromLabel, type PublishedPort } from './publish.js'
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
  /** The egress preset (open, balanced, locked), and whether its gateway runs. */
  egress: string
  gateway: 'running' | 'stopped' | 'missing' | 'none'
  /** Dev-server ports published on 127.0.0.1. */
  published: PublishedPort[]
  /** The auth.json sign-ins it holds for real (the gateway cannot keep those outside). */
  signInsInside: string[]
  /** How long unused before it stops itself ("30m"; "0": never; undefined: made before idle stop). */
  idleStop: string | undefined
  /** Stopped by its idle watcher: for how long ("31m"). */
  idleStoppedFor?: string
}

/**
 * The containers of this caiged (its IMAGE_PREFIX starts their names), out of all the engine's
 * caiged-managed ones: lists and bulk commands (stop-all, rm --all, upgrade --all) leave another
 * prefix's alone, as another user's or a test's caiged on the same engine.
 */
export function ofPrefix(entries: ListedContainer[], prefix: string): ListedContainer[] {
  return entries.filter((e) => e.Names.startsWith(`${prefix}-`))
}

/** A caiged egress gateway (it serves an agent; lists and bulk commands show agents only). */
export function isGatewayEntry(entry: ListedContainer): boolean {
  return entry.labelMap[Label.role] === 'egress'
}

/** Turns one `docker ps` line into a row, given the gateways listed with it. Pure. */
export function toContainerRow(entry: ListedContainer, gateways: ListedContainer[] = []): ContainerRow {
  const labels = entry.labelMap
  const egress = labels[Label.egress] ?? 'open'
  const gateway = gateways.find((g) => g.labelMap[Label.container] === entry.Names)
  const idleStopped = entry.State === 'running' ? undefined : idleStoppedFor(entry.Status)
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
    egress,
    gateway:
      egress === 'open' ? 'none' : !gateway ? 'missing' : gateway.State === 'running' ? 'running' : 'stopped',
    published: publishedFromLabel(labels[Label.publish]),
    signInsInside: (labels[Label.authInside] ?? '').split(',').filter(Boolean),
    idleStop: labels[Label.idleStop],
    ...(idleStopped ? { idleStoppedFor: idleStopped } : {}),
  }
}

const LIVE_PORT = new RegExp(
  `(?:^|,\\s*)(?:127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1?\\]):(\\d+)->${SERVER_PORT}/tcp`,
)

/** A running container's live mapping wins; a stopped one (or one behind a gateway) has none, so its labels say. */
function livePortOr(labels: Record<string, string>, ports: string): number | undefined {
  const live = Number(LIVE_PORT.exec(ports)?.[1])
  return Number.isInteger(live) && live > 0 && live < 65536 ? live : portFromLabels(labels)
}
