import fs from 'node:fs/promises'
import path from 'node:path'
import tmp from 'tmp'
import { bakeArgs } from '../bake/bake-args.js'
import {
  bakeVariables,
  expectedSpinLabels,
  localImage,
  renderSpinsHcl,
  spinTarget,
  staleReasons,
  type ImagePlan,
  type SpinBuild,
} from '../bake/plan.js'
import type { Docker } from '../docker/index.js'
import { CaigedError } from '../errors.js'
import type { OpencodePackageCache } from '../opencode/package-cache.js'
import { packageRoot } from '../paths.js'
import type { Spin } from '../spins/load.js'
import { stageSpin } from '../spins/stage.js'
import { agentIds, assetsHash, caigedVersion } from './assets.js'

tmp.setGracefulCleanup()

export interface PlanOptions {
  opencodeVersion: string
  imagePrefix: string
  baseImage: string
  /** The host user's ids; root (0) maps to 1000, as the agent never runs as root. */
  uid: number
  gid: number
}

/** A plan with its spins staged in a temporary folder, removed by dispose(). */
export interface PreparedPlan {
  plan: ImagePlan
  workDir: string
  dispose: () => void
}

export interface ImageStatus {
  spin: string
  image: string
  /** The image's id when it exists (before any rebuild). */
  id: string | undefined
  reasons: string[]
}

/**
 * Builds spin images with `docker buildx bake`: stages each spin, labels images with everything
 * that decides their content, and rebuilds only what is stale.
 */
export class ImageBuilder {
  constructor(
    private readonly docker: Docker,
    private readonly packages: OpencodePackageCache,
  ) {}

  async prepare(spins: Spin[], options: PlanOptions): Promise<PreparedPlan> {
    const work = tmp.dirSync({ prefix: 'caiged-build-', unsafeCleanup: true })
    try {
      const builds: SpinBuild[] = []
      for (const spin of spins) {
        const staged = await stageSpin(spin, work.name)
        builds.push({
          name: spin.name,
          contextDir: staged.dir,
          packages: spin.manifest.packages ?? [],
          hash: staged.hash,
          description: spin.manifest.description,
        })
      }
      const plan: ImagePlan = {
        opencodeVersion: options.opencodeVersion,
        baseImage: options.baseImage,
        imagePrefix: options.imagePrefix,
        caigedVersion: await caigedVersion(),
        assetsHash: await assetsHash(),
        ...agentIds(options.uid, options.gid),
        spins: builds,
      }
      return { plan, workDir: work.name, dispose: () => work.removeCallback() }
    } catch (error) {
      work.removeCallback()
      throw error
    }
  }

  /** For each spin: its image and why it must be (re)built; no reasons means up to date. */
  async status(plan: ImagePlan): Promise<ImageStatus[]> {
    return Promise.all(
      plan.spins.map(async (spin) => {
        const image = localImage(plan.imagePrefix, spin.name)
        const inspected = await this.docker.images.inspect(image)
        return {
          spin: spin.name,
          image,
          id: inspected?.Id,
          reasons: staleReasons(expectedSpinLabels(plan, spin), inspected?.Config.Labels),
        }
      }),
    )
  }

  /** Builds the base and the given spins for the engine's own platform and loads them into it. */
  async build(prepared: PreparedPlan, spinNames: string[], onLine?: (line: string) => void): Promise<void> {
    const { plan } = prepared
    const version = await this.docker.system.version()
    const arch = version.Server.Arch ?? 'amd64'
    const pkgDir = await this.packages.ensure(plan.opencodeVersion, [arch])
    const spins = plan.spins.filter((s) => spinNames.includes(s.name))
    const hclFile = path.join(prepared.workDir, 'spins.hcl')
    await fs.writeFile(hclFile, renderSpinsHcl(spins))

    const args = bakeArgs({
      files: [path.join('bake', 'docker-bake.hcl'), hclFile],
      targets: ['base', ...spins.map((s) => spinTarget(s.name))],
      buildxVersion: await this.docker.buildx.version(),
      load: true,
      progress: 'plain',
      readDirs: [prepared.workDir, pkgDir],
    })
    const tail: string[] = []
    const result = await this.docker.buildx.bake(args, {
      env: bakeVariables(plan, pkgDir, [`linux/${arch}`]),
      cwd: packageRoot,
      onLine: (line) => {
        tail.push(line)
        if (tail.length > 25) tail.shift()
        onLine?.(line)
      },
    })
    if (result.exitCode !== 0) {
      throw new CaigedError(`The image build failed (docker buildx bake exited ${result.exitCode}).`, {
        hint: `Its last lines:\n${tail.join('\n')}`,
      })
    }
    const after = await this.status({ ...plan, spins })
    const wrong = after.filter((s) => s.reasons.length > 0)
    if (wrong.length > 0) {
      throw new CaigedError(
        `The build finished but ${wrong.map((w) => w.image).join(', ')} does not carry the expected labels (${wrong[0]?.reasons.join('; ')}).`,
      )
    }
  }
}
