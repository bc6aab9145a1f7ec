import { isGatewayEntry, ofPrefix, toContainerRow, type ContainerRow } from '../containers/listing.js'
import { imagePrefix } from '../containers/naming.js'
import { networkName, volumeName, workspaceVolumeName } from '../containers/request.js'
import { publishedFromLabel } from '../containers/publish.js'
import { portInside, SERVER_PORT, serverUrl } from '../containers/server.js'
import { ContainerGoneError, egressModeOf, portOf } from '../containers/service.js'
import type { Deps } from '../deps.js'
import type { ListedContainer } from '../docker/container-client.js'
import { CaigedError, CancelledError, ExitCode, usageError } from '../errors.js'
import { Label, MANAGED_FILTER } from '../labels.js'
import { derivePassword } from '../secrets/password.js'
import { sessionPassword, sessionSalt } from '../secrets/session.js'
import { resumeStopped } from './resume.js'
import { gatewayName } from '../egress/names.js'

export type ListedRow = ContainerRow & {
  /** The engine it is on: its docker context (or DOCKER_HOST's value). */
  engine: string
  password?: string
  /** With --memory, for a running agent: the bytes it and its gateway hold. */
  memory?: { agent: number; gateway?: number }
}

/** Every caiged container (by label, never by name), sorted; with passwords and memory when asked. */
export async function listContainers(
  o: { passwords: boolean; memory?: boolean },
  d: Pick<Deps, 'docker' | 'env' | 'paths'> & { engine: { label: string } },
): Promise<ListedRow[]> {
  // The salt is read (never made) first: a corrupt one is reported before anything else is done.
  const salt = o.passwords ? await sessionSalt(d.paths.saltFile, { mayCreateSalt: false }) : undefined
  // One docker process: agents and their gateways carry the same managed label.
  const entries = await ownContainers(d, { all: true })
  const gateways = entries.filter(isGatewayEntry)
  const rows: ListedRow[] = entries
    .filter((e) => !isGatewayEntry(e))
    .map((e) => ({ ...toContainerRow(e, gateways), engine: d.engine.label }))
    .sort((a, b) => a.name.localeCompare(b.name))
  if (salt !== undefined) for (const row of rows) row.password = derivePassword(row.name, salt)
  if (o.memory) await addMemory(rows, d)
  return rows
}

/** The memory each running agent and its gateway hold (one docker stats sample for all). */
async function addMemory(rows: ListedRow[], d: Pick<Deps, 'docker'>): Promise<void> {
  const running = rows.filter((r) => r.state === 'running')
  const names = running.flatMap((r) => [r.name, ...(r.gateway === 'running' ? [gatewayName(r.name)] : [])])
  const usage = await d.docker.containers.memoryUsage(names)
  for (const row of running) {
    const agent = usage.get(row.name)
    if (agent !== undefined) row.memory = { agent, gateway: usage.get(gatewayName(row.name)) }
  }
}

export interface PortRow {
  container: number
  host: number
  what: 'OpenCode server' | 'published'
}

/** `caiged containers port NAME [PORT]`: where each of its ports is reached on 127.0.0.1. */
export async function containerPorts(o: { name: string; port?: number }, d: Deps): Promise<PortRow[]> {
  const container = await d.containers.get(o.name)
  const server = portOf(container)
  const rows: PortRow[] = [
    ...(server === undefined
      ? []
      : [{ container: SERVER_PORT, host: server, what: 'OpenCode server' as const }]),
    ...publishedFromLabel(container.Config.Labels[Label.publish]).map((p) => ({
      ...p,
      what: 'published' as const,
    })),
  ]
  if (o.port === undefined) return rows
  const row = rows.find((r) => r.container === o.port)
  if (!row) {
    throw new CaigedError(`Port ${o.port} of ${container.Name} is not published.`, {
      exitCode: ExitCode.NotFound,
      hint: `Publish it: ${resumeCommand(container.Config.Labels)} --publish ${o.port} --recreate (sessions are kept).`,
    })
  }
  return [row]
}

/**
 * The ports of an agent on another machine's engine, forwarded to this machine's 127.0.0.1 (the
 * same number where free) for as long as this process runs; on this machine, the rows as they are.
 */
export async function forwardPorts(
  agent: string,
  rows: PortRow[],
  d: Pick<Deps, 'engine'>,
): Promise<PortRow[]> {
  if (await d.engine.onThisMachine()) return rows
  return Promise.all(
    rows.map(async (r) => ({ ...r, host: await d.engine.reach(r.host, portInside(agent, r.container)) })),
  )
}

/** The command that brings a container back with its settings and sessions. */
export function resumeCommand(labels: Record<string, string>): string {
  const project = labels[Label.project] ? ` --project ${labels[Label.project]}` : ''
  return `caiged run ${JSON.stringify(labels[Label.workdir] ?? '.')} --spin ${labels[Label.spin] ?? 'SPIN'}${project}`
}

/** Starts a stopped container and waits for its server; a running one is left as it is. */
export async function startContainer(
  o: { name: string },
  d: Deps,
): Promise<{ name: string; url: string; started: boolean }> {
  const service = d.containers
  const container = await service.get(o.name)
  const port = portOf(container)
  if (port === undefined)
    throw new CaigedError(`${container.Name} has no port label; recreate it with caiged run.`)
  const password = await sessionPassword(container.Name, d.paths.saltFile, { mayCreateSalt: false })
  const url = serverUrl(await d.engine.reach(port, portInside(container.Name)))
  if (container.State.Running) return { name: container.Name, url, started: false }
  await resumeStopped(container, d)
  await service.waitHealthy(container.Name, port, password)
  return { name: container.Name, url, started: true }
}

export interface StopResult {
  name: string
  /** What this command did: stopped it, found it stopped, or removed it. */
  outcome: 'stopped' | 'already stopped' | 'removed'
  volume: string
  resume: string
}

/** Stops a container (its sessions stay); with remove, removes it too (its volume stays). */
export async function stopContainer(o: { name: string; remove: boolean }, d: Deps): Promise<StopResult> {
  const container = await d.containers.get(o.name)
  const labels = container.Config.Labels
  const base = {
    name: container.Name,
    volume: labels[Label.volume] ?? volumeName(container.Name),
    resume: resumeCommand(labels),
  }
  // By id: the container looked at, not one another command made under its name since.
  const stopped = container.State.Running ? await d.docker.containers.stop(container.Id) : false
  if (container.State.Running && !stopped) throw new ContainerGoneError(container.Name)
  // Its gateway after it: while the agent ran, its way out stayed where it was.
  const gated = egressModeOf(container) !== 'open'
  if (gated) await d.containers.gateways.stopFor(container.Name)
  if (o.remove) {
    if (!(await d.docker.containers.removeIfPresent(container.Id)))
      throw new ContainerGoneError(container.Name)
    if (gated) await d.containers.gateways.removeFor(container.Name)
    await removeOwnNetwork(container.Name, d)
    return { ...base, outcome: 'removed' }
  }
  return { ...base, outcome: stopped ? 'stopped' : 'already stopped' }
}

/**
 * This caiged's containers, agents and gateways, in one docker process: caiged's label, and names
 * starting with this IMAGE_PREFIX (another caiged on the same engine is left alone). `all`: stopped
 * ones too.
 */
export async function ownContainers(
  d: Pick<Deps, 'docker' | 'env'>,
  o: { all: boolean },
): Promise<ListedContainer[]> {
  return ofPrefix(await d.docker.containers.list({ all: o.all, labels: MANAGED_FILTER }), imagePrefix(d.env))
}

/** Stops every running caiged container; one that went away meanwhile is not a failure. */
export async function stopAllContainers(d: Deps): Promise<{ stopped: string[]; gone: string[] }> {
  const listed = await ownContainers(d, { all: false })
  const running = listed.filter((c) => !isGatewayEntry(c))
  const stopped: string[] = []
  const gone: string[] = []
  const failed: string[] = []
  await Promise.all(
    running.map(async (c) => {
      try {
        if (await d.docker.containers.stop(c.ID)) stopped.push(c.Names)
        else gone.push(c.Names)
      } catch (error) {
        failed.push(`${c.Names}: ${(error as Error).message}`)
      }
    }),
  )
  // The gateways once their agents are down (none of them is reported: they serve an agent).
  await Promise.all(
    listed.filter(isGatewayEntry).map((g) => d.docker.containers.stop(g.ID, 3).catch(() => false)),
  )
  if (failed.length) throw new CaigedError(`Could not stop: ${failed.join('; ')}`)
  return { stopped: stopped.sort(), gone: gone.sort() }
}

export interface RemoveTarget {
  name: string
  id: string
  running: boolean
  volume: string
  /** What the agent installed in user space (none for containers made before it was kept). */
  toolsVolume: string | undefined
  /** The agent's copy of the project (--workspace copy). */
  workspaceVolume?: string
  /** It has an egress gateway, which goes with it. */
  gated: boolean
}

/** Removes the named caiged containers (or all), and with volumes their sessions. */
export async function removeContainers(
  o: { names: string[]; all: boolean; volumes: boolean; force: boolean },
  d: Deps,
): Promise<{ removed: string[]; gone: string[]; volumes: string[] }> {
  if (o.names.length > 0 && o.all) throw usageError('Name containers or use --all, not both.')
  if (o.names.length === 0 && !o.all) throw usageError('Which containers? Name them, or use --all.')
  const service = d.containers
  const targets: RemoveTarget[] = o.all
    ? (await ownContainers(d, { all: true }))
        .filter((c) => !isGatewayEntry(c))
        .map((c) => ({
          name: c.Names,
          id: c.ID,
          running: c.State === 'running',
          volume: c.labelMap[Label.volume] ?? volumeName(c.Names),
          toolsVolume: c.labelMap[Label.toolsVolume],
          workspaceVolume: c.labelMap[Label.workspace] === 'copy' ? workspaceVolumeName(c.Names) : undefined,
          gated: (c.labelMap[Label.egress] ?? 'open') !== 'open',
        }))
    : await Promise.all(
        o.names.map(async (n) => {
          const c = await service.get(n)
          return {
            name: c.Name,
            id: c.Id,
            running: c.State.Running,
            volume: c.Config.Labels[Label.volume] ?? volumeName(c.Name),
            toolsVolume: c.Config.Labels[Label.toolsVolume],
            workspaceVolume:
              c.Config.Labels[Label.workspace] === 'copy' ? workspaceVolumeName(c.Name) : undefined,
            gated: egressModeOf(c) !== 'open',
          }
        }),
      )
  const running = targets.filter((t) => t.running).map((t) => t.name)
  if (running.length && !o.force) {
    throw new CaigedError(`Still running: ${running.join(', ')}.`, {
      hint: 'Stop them first (caiged containers stop NAME), or use --force.',
    })
  }
  if (o.all && !o.force && targets.length > 0) {
    const what = o.volumes ? 'and their sessions ' : ''
    const question = `Remove ${targets.length} caiged container(s) ${what}(${targets.map((t) => t.name).join(', ')})?`
    if (!(await d.io.confirm(question, '--force'))) throw new CancelledError('nothing was removed.')
  }
  const removed: string[] = []
  const gone: string[] = []
  const volumes: string[] = []
  for (const target of targets) {
    // By id: only the container that was looked at (and confirmed) is removed.
    if (await d.docker.containers.removeIfPresent(target.id)) removed.push(target.name)
    else gone.push(target.name)
    if (target.gated) await d.containers.gateways.removeFor(target.name)
    await removeOwnNetwork(target.name, d)
    if (o.volumes) {
      for (const volume of [target.volume, target.toolsVolume, target.workspaceVolume]) {
        if (volume && (await d.docker.volumes.remove(volume))) volumes.push(volume)
      }
    }
  }
  return { removed, gone, volumes }
}

/**
 * The network caiged made for this container goes with it. Only that one (its labels name the
 * container), and only when nothing uses it any more: a run that recreated the container keeps it.
 */
async function removeOwnNetwork(containerName: string, d: Deps): Promise<void> {
  const name = networkName(containerName)
  const labels = await d.docker.networks.labels(name)
  if (labels?.[Label.managed] === 'true' && labels[Label.container] === containerName)
    await d.docker.networks.remove(name)
}
