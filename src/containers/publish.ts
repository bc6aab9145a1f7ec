import { usageError } from '../errors.js'
import { SERVER_PORT } from './server.js'

/** A port inside the container reachable on 127.0.0.1 of the host (a dev server the agent runs). */
export interface PublishedPort {
  container: number
  host: number
}

const PORT = /^\d{1,5}$/

/** Parses "PORT[:HOSTPORT]" (the host port defaults to the same number). */
export function parsePublish(text: string): PublishedPort {
  const [inside = '', outside, extra] = text.trim().split(':')
  const bad = (why: string) =>
    usageError(
      `"${text}" is not a port to publish: ${why}.`,
      'Write PORT or PORT:HOSTPORT, e.g. --publish 3000 or --publish 5173:8080.',
    )
  if (extra !== undefined) throw bad('give PORT or PORT:HOSTPORT (it is always on 127.0.0.1)')
  const port = (value: string) => {
    const n = Number(value)
    if (!PORT.test(value) || n < 1 || n > 65535) throw bad('a port is 1-65535')
    return n
  }
  const container = port(inside)
  if (container === SERVER_PORT) throw bad(`${SERVER_PORT} is the OpenCode server's own port`)
  return { container, host: outside === undefined ? container : port(outside) }
}

/** Flag, project and user ports together: one per container port, the first given winning. */
export function mergePublished(...lists: (string[] | undefined)[]): PublishedPort[] {
  const ports: PublishedPort[] = []
  for (const text of lists.flatMap((l) => l ?? [])) {
    const p = parsePublish(text)
    if (!ports.some((q) => q.container === p.container)) ports.push(p)
  }
  const hosts = ports.map((p) => p.host)
  const twice = hosts.find((h, i) => hosts.indexOf(h) !== i)
  if (twice !== undefined)
    throw usageError(
      `Host port ${twice} is published twice.`,
      'Give each container port its own host port: --publish PORT:HOSTPORT.',
    )
  return ports.sort((a, b) => a.container - b.container)
}

export const publishedText = (ports: PublishedPort[]): string =>
  ports.map((p) => `${p.container}:${p.host}`).join(',')

/** From a container's label (written by publishedText). */
export function publishedFromLabel(text: string | undefined): PublishedPort[] {
  return (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [container, host] = pair.split(':').map(Number)
      return { container: container as number, host: host as number }
    })
    .filter((p) => Number.isInteger(p.container) && Number.isInteger(p.host))
}
