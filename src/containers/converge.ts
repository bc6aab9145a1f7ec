import fs from 'node:fs/promises'
import type { Docker } from '../docker/index.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { CaigedError } from '../errors.js'
import { ImageBuilder, type PreparedPlan } from '../images/image-builder.js'
import type { NpmRegistry } from '../opencode/npm-registry.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { cacheDir } from '../paths.js'
import { loadSpin } from '../spins/load.js'
import { taskList } from '../ui/tasks.js'
import { Label } from './labels.js'
import type { ContainerRequest } from './run-spec.js'
import { portOf, type ContainerService, type ReconcileAction, type Secrets } from './service.js'

/**
 * The slow path of `run` (loaded only when needed): build a stale image, then create, start or
 * recreate the container and wait for its server, as listr2 tasks.
 */
export async function converge(options: {
  docker: Docker
  service: ContainerService
  registry: NpmRegistry
  request: ContainerRequest
  secrets: Secrets
  existing: ContainerInspect | undefined
  imageReasons: string[]
  imageId: string | undefined
  recreate: boolean
  spinName: string
  workdir: string
  plan: { baseImage: string; imagePrefix: string; uid: number; gid: number }
  auth: { file: string; mtime: number } | undefined
  json: boolean
}): Promise<{ port: number; action: ReconcileAction; serverVersion: string }> {
  const { docker, service, request, existing } = options
  const ctx: {
    prepared?: PreparedPlan
    imageId?: string
    port?: number
    action?: ReconcileAction
    serverVersion?: string
  } = {
    imageId: options.imageId,
  }
  try {
    await taskList<typeof ctx>(
      [
        {
          title: `Build ${request.image} (${options.imageReasons.join('; ')})`,
          enabled: () => options.imageReasons.length > 0,
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: async (c, task) => {
            // Only a spin whose content changed gets here: it is validated before it is built.
            const spin = await loadSpin(options.spinName, options.workdir)
            const builder = new ImageBuilder(
              docker,
              new OpencodePackageCache(cacheDir(), options.registry, await hostHasAvx2()),
            )
            c.prepared = await builder.prepare([spin], {
              opencodeVersion: request.opencodeVersion,
              imagePrefix: options.plan.imagePrefix,
              baseImage: options.plan.baseImage,
              uid: options.plan.uid,
              gid: options.plan.gid,
            })
            await builder.build(c.prepared, [spin.name], (line) => {
              task.output = line
            })
            c.imageId = (await docker.images.inspect(request.image))?.Id
            task.title = `Built ${request.image} (OpenCode ${request.opencodeVersion})`
          },
        },
        {
          title: `Container ${request.name}`,
          task: async (c, task) => {
            const why = !existing
              ? undefined
              : existing.Image !== c.imageId
                ? 'its image changed'
                : options.recreate
                  ? 'new settings'
                  : existing.Config.Labels[Label.imageFingerprint] !== request.imageFingerprint
                    ? 'it was made by another caiged version'
                    : undefined
            if (existing && why) {
              task.title = `Recreating ${request.name}: ${why} (sessions are kept in ${request.volume})`
              c.port = await service.recreate(existing, request, options.secrets)
              c.action = 'recreated'
            } else if (existing?.State.Running) {
              c.port = portOf(existing)
              c.action = 'reused'
            } else if (existing) {
              await service.start(existing)
              c.port = portOf(existing)
              c.action = 'started'
            } else {
              c.port = await service.create(request, options.secrets)
              c.action = 'created'
            }
            if (c.port === undefined)
              throw new CaigedError(`${request.name} has no port label; recreate it with --recreate.`)
            // A fresh or restarted container gets the host's auth.json (a running one keeps its own).
            if (c.action !== 'reused' && options.auth) {
              await service.copyAuth(
                request.name,
                await fs.readFile(options.auth.file, 'utf8'),
                options.auth.mtime,
              )
            }
            task.title = `Container ${request.name} ${c.action} on 127.0.0.1:${c.port}`
          },
        },
        {
          title: 'Wait for the OpenCode server',
          task: async (c, task) => {
            const health = await service.waitHealthy(request.name, c.port as number, options.secrets.password)
            c.serverVersion = health.version
            task.title = `OpenCode ${health.version} is ready`
          },
        },
      ],
      { json: options.json },
    ).run(ctx)
  } finally {
    ctx.prepared?.dispose()
  }
  return {
    port: ctx.port as number,
    action: ctx.action as ReconcileAction,
    serverVersion: ctx.serverVersion as string,
  }
}
