import path from 'node:path'
import { isGatewayEntry } from '../containers/listing.js'
import { egressModeOf, portOf } from '../containers/service.js'
import { ContainerPath } from '../containers/request.js'
import type { Deps } from '../deps.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError, ExitCode } from '../errors.js'
import { Label, MANAGED_FILTER } from '../labels.js'
import { sessionPassword } from '../secrets/session.js'
import { startWebRelay, workspacePage, type WebRelay } from '../web/relay.js'
import { portInside } from '../containers/server.js'
import { resumeStopped } from './resume.js'

/** A container by name, or the one made for a project folder. */
async function containerFor(target: string, d: Deps): Promise<ContainerInspect> {
  const looksLikePath = target.includes('/') || target === '.' || target === '..'
  if (!looksLikePath) {
    const found = await d.containers.find(target)
    if (found) return found
  }
  const workdir = path.resolve(target)
  const listed = await d.docker.containers.list({ all: true, labels: MANAGED_FILTER })
  const mine = listed.filter((c) => !isGatewayEntry(c) && c.labelMap[Label.workdir] === workdir)
  if (mine.length === 1) return d.containers.get((mine[0] as { Names: string }).Names)
  if (mine.length > 1) {
    throw new CaigedError(
      `Several containers are made for ${workdir}: ${mine.map((c) => c.Names).join(', ')}.`,
      {
        exitCode: ExitCode.Usage,
        hint: 'Name the one to open: caiged web NAME.',
      },
    )
  }
  throw new CaigedError(`There is no caiged container named "${target}" or made for ${workdir}.`, {
    exitCode: ExitCode.NotFound,
    hint: `Start one: caiged run ${JSON.stringify(target)} --spin dev --no-connect`,
  })
}

/**
 * `caiged web NAME|WORKDIR`: OpenCode's own web UI for a running container, through a relay on
 * 127.0.0.1 that holds its password (see web/relay.ts), landing on the project's workspace.
 */
export async function openWeb(o: { target: string }, d: Deps): Promise<{ name: string; relay: WebRelay }> {
  const container = await containerFor(o.target, d)
  if (!container.State.Running) await resumeStopped(container, d)
  const port = portOf(container)
  if (port === undefined)
    throw new CaigedError(`${container.Name} has no port label; recreate it with caiged run.`)
  if (egressModeOf(container) !== 'open') await d.containers.ensureGateway(container, undefined)
  const password = await sessionPassword(container.Name, d.paths.saltFile, { mayCreateSalt: false })
  await d.containers.waitHealthy(container.Name, port, password, 30_000)
  const relay = await startWebRelay({
    upstreamPort: await d.engine.reach(port, portInside(container.Name)),
    password,
    landing: workspacePage(ContainerPath.workspace),
  })
  return { name: container.Name, relay }
}
