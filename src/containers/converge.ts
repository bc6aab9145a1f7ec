import { promises as fs } from 'node:fs'
import type { ImageInputs } from '../bake/plan.js'
import type { Deps } from '../deps.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError } from '../errors.js'
import { ImageBuilder, type PreparedPlan } from '../images/image-builder.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { loadSpin } from '../spins/load.js'
import { taskList } from '../ui/tasks.js'
import type { Decision } from './reconcile.js'
import type { ContainerRequest, GatewayRequest } from './request.js'
import {
  portOf,
  type ContainerService,
  type GatewayMaker,
  type ReconcileAction,
  type Secrets,
} from './service.js'

export type Applicable = Extract<Decision, { why: string }> & { action: 'start' | 'create' | 'recreate' }

const DONE: Record<Applicable['action'], ReconcileAction> = {
  start: 'started',
  create: 'created',
  recreate: 'recreated',
}

/**
 * The slow path of `run` (loaded only when needed): carries out a decision as listr2 tasks: build
 * a stale image, then start, create or recreate the container, and wait for its server.
 */
export async function applyDecision(o: {
  deps: Pick<Deps, 'docker' | 'npm' | 'paths' | 'io'>
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
  auth: { file: string; mtime: number } | undefined
  /** With an egress policy: the gateway for the image's spin (its labels carry the spin's rules). */
  gateway?: (spinLabels: Record<string, string>, onLine?: (line: string) => void) => Promise<GatewayRequest>
  /** ... and for a stopped container whose gateway is gone. */
  gatewayMaker?: GatewayMaker
}): Promise<{ port: number; action: ReconcileAction; serverVersion: string }> {
  const { deps, service, decision, request, existing } = o
  let prepared: PreparedPlan | undefined
  let port: number | undefined
  let serverVersion = ''
  let gateway: GatewayRequest | undefined
  try {
    await taskList<object>(
      [
        {
          title: `Build ${request.image} (${decision.build.join('; ')})`,
          enabled: () => decision.build.length > 0,
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: async (_, task) => {
            // Only a spin whose content changed gets here: it is validated before it is built.
            const spin = await loadSpin(o.build.spinName, o.build.workdir)
            const builder = new ImageBuilder(
              deps.docker,
              new OpencodePackageCache(deps.paths.cacheDir, deps.npm, await hostHasAvx2()),
            )
            prepared = await builder.prepare([spin], o.build.inputs, o.build.extraPackages)
            await builder.build(
              prepared,
              [spin.name],
              (line) => {
                task.output = line
              },
              o.build.builder,
              o.build.onBase,
            )
            task.title = `Built ${request.image} (OpenCode ${request.opencodeVersion})`
          },
        },
        {
          title: 'Egress gateway',
          enabled: () => o.gateway !== undefined && decision.action !== 'start',
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: async (_, task) => {
            const labels = (await deps.docker.images.inspect(request.image))?.Config.Labels ?? {}
            gateway = await (o.gateway as NonNullable<typeof o.gateway>)(labels, (line) => {
              task.output = line
            })
            task.title = `Egress gateway ready (${request.egress.mode})`
          },
        },
        {
          title: `Container ${request.name}`,
          task: async (_, task) => {
            const made = { ...request, gateway }
            if (decision.action === 'recreate' && existing) {
              task.title = `Recreating ${request.name}: ${decision.why} (sessions are kept in ${request.volume})`
              port = await service.recreate(existing, made, o.secrets)
            } else if (decision.action === 'start' && existing) {
              await service.start(existing, o.gatewayMaker)
              port = portOf(existing)
            } else {
              port = await service.create(made, o.secrets)
            }
            if (port === undefined)
              throw new CaigedError(`${request.name} has no port label; recreate it with --recreate.`)
            // A fresh or restarted container gets the host's auth.json (a running one keeps its own).
            if (o.auth) {
              await service.copyAuth(request.name, await fs.readFile(o.auth.file, 'utf8'), o.auth.mtime)
            }
            task.title = `Container ${request.name} ${DONE[decision.action]} on 127.0.0.1:${port}`
          },
        },
        {
          title: 'Wait for the OpenCode server',
          task: async (_, task) => {
            const health = await service.waitHealthy(request.name, port as number, o.secrets.password)
            serverVersion = health.version
            task.title = `OpenCode ${health.version} is ready`
          },
        },
      ],
      { json: deps.io.json, report: deps.io.withinTask },
    ).run({})
  } finally {
    prepared?.dispose()
  }
  return { port: port as number, action: DONE[decision.action], serverVersion }
}
