import type { ImageInputs } from '../bake/plan.js'
import type { Decision } from '../containers/reconcile.js'
import type { ContainerRequest, GatewayRequest } from '../containers/request.js'
import {
  portOf,
  type ContainerService,
  type GatewayMaker,
  type ReconcileAction,
  type Secrets,
} from '../containers/service.js'
import type { Deps } from '../deps.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError } from '../errors.js'
import { ImageBuilder, type PreparedPlan } from '../images/image-builder.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { loadSpin } from '../spins/load.js'
import { taskList } from '../ui/tasks.js'

export type Applicable = Extract<Decision, { why: string }> & { action: 'start' | 'create' | 'recreate' }

const DONE: Record<Applicable['action'], ReconcileAction> = {
  start: 'started',
  create: 'created',
  recreate: 'recreated',
}

export interface ApplyOptions {
  deps: Pick<Deps, 'docker' | 'npm' | 'paths' | 'io' | 'env'>
  service: ContainerService
  decision: Applicable
  existing: ContainerInspect | undefined
  request: Omit<ContainerRequest, 'hostPort'>
  secrets: Secrets
  build: {
    spinName: string
    workdir: string
    inputs: ImageInputs
    builder?: string
    onBase?: string
    /** The project's extra Debian packages (its own variant of the spin). */
    extraPackages?: string[]
  }
  /** The auth.json the agent gets, and the host file's mtime (a copy refreshed in there since is kept). */
  auth: { content: string; mtime: number } | undefined
  /** With an egress policy: the gateway for the image's spin (its labels carry the spin's rules). */
  gateway?: (spinLabels: Record<string, string>, onLine?: (line: string) => void) => Promise<GatewayRequest>
  /** ... and for a stopped container whose gateway is gone. */
  gatewayMaker?: GatewayMaker
}

/** What the steps hand on to the next ones. */
interface Progress {
  prepared?: PreparedPlan
  gateway?: GatewayRequest
  port?: number
  serverVersion: string
}

/** A listr2 task as a step sees it: its title, and its live output. */
interface Step {
  title: string
  output: string
}

/**
 * The slow path of `run` (loaded only when needed): carries out a decision as listr2 tasks: build
 * a stale image, then start, create or recreate the container, and wait for its server.
 */
export async function applyDecision(
  o: ApplyOptions,
): Promise<{ port: number; action: ReconcileAction; serverVersion: string }> {
  const { deps, decision, request } = o
  const progress: Progress = { serverVersion: '' }
  try {
    await taskList<object>(
      [
        {
          title: `Build ${request.image} (${decision.build.join('; ')})`,
          enabled: () => decision.build.length > 0,
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: (_, task) => buildStaleImage(o, progress, task),
        },
        {
          title: 'Egress gateway',
          enabled: () => o.gateway !== undefined && decision.action !== 'start',
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: (_, task) => startGateway(o, progress, task),
        },
        { title: `Container ${request.name}`, task: (_, task) => placeContainer(o, progress, task) },
        { title: 'Wait for the OpenCode server', task: (_, task) => waitForServer(o, progress, task) },
      ],
      { json: deps.io.json, report: deps.io.withinTask },
    ).run({})
  } finally {
    progress.prepared?.dispose()
  }
  return {
    port: progress.port as number,
    action: DONE[decision.action],
    serverVersion: progress.serverVersion,
  }
}

async function buildStaleImage(o: ApplyOptions, progress: Progress, task: Step): Promise<void> {
  const { deps, request } = o
  // Only a spin whose content changed gets here: it is validated before it is built.
  const spin = await loadSpin(o.build.spinName, o.build.workdir, deps.env)
  const builder = new ImageBuilder(
    deps.docker,
    new OpencodePackageCache(deps.paths.cacheDir, deps.npm, await hostHasAvx2()),
  )
  progress.prepared = await builder.prepare([spin], o.build.inputs, o.build.extraPackages)
  await builder.build(
    progress.prepared,
    [spin.name],
    (line) => {
      task.output = line
    },
    o.build.builder,
    o.build.onBase,
  )
  task.title = `Built ${request.image} (OpenCode ${request.opencodeVersion})`
}

async function startGateway(o: ApplyOptions, progress: Progress, task: Step): Promise<void> {
  const { deps, request } = o
  const labels = (await deps.docker.images.inspect(request.image))?.Config.Labels ?? {}
  progress.gateway = await (o.gateway as NonNullable<typeof o.gateway>)(labels, (line) => {
    task.output = line
  })
  task.title = `Egress gateway ready (${request.egress.mode})`
}

/** Starts, creates or recreates the container, as decided, and gives it the host's auth. */
async function placeContainer(o: ApplyOptions, progress: Progress, task: Step): Promise<void> {
  const { service, decision, request, existing } = o
  const made = { ...request, gateway: progress.gateway }
  let port: number | undefined
  if (decision.action === 'recreate' && existing) {
    task.title = `Recreating ${request.name}: ${decision.why} (sessions are kept in ${request.volume})`
    port = await service.recreate(existing, made, o.secrets)
  } else if (decision.action === 'start' && existing) {
    await service.start(existing, o.gatewayMaker)
    port = portOf(existing)
  } else {
    port = await service.create(made, o.secrets)
  }
  progress.port = port
  if (port === undefined)
    throw new CaigedError(`${request.name} has no port label; recreate it with --recreate.`)
  // A fresh or restarted container gets the host's auth.json (a running one keeps its own).
  if (o.auth) {
    await service.copyAuth(request.name, o.auth.content, o.auth.mtime)
  }
  task.title = `Container ${request.name} ${DONE[decision.action]} on 127.0.0.1:${port}`
}

async function waitForServer(o: ApplyOptions, progress: Progress, task: Step): Promise<void> {
  const health = await o.service.waitHealthy(o.request.name, progress.port as number, o.secrets.password)
  progress.serverVersion = health.version
  task.title = `OpenCode ${health.version} is ready`
}
