import tmp from 'tmp'
import {
  expectedSpinLabels,
  localImage,
  spinImageTag,
  spinTarget,
  staleReasons,
  type ImageInputs,
  type ImagePlan,
  type SpinBuild,
} from '../bake/plan.js'
import type { Docker } from '../docker/index.js'
import { CaigedError } from '../errors.js'
import type { OpencodePackageCache } from '../opencode/package-cache.js'
import type { Spin } from '../spins/load.js'
import { stageSpin } from '../spins/stage.js'
import { spinVariant, variantPackages } from '../spins/variant.js'
import { runBake, type PreparedPlan } from './bake.js'

export type { PreparedPlan }

tmp.setGracefulCleanup()

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

  /** Stages the spins; a project's extra packages make each a variant with an image of its own. */
  async prepare(spins: Spin[], inputs: ImageInputs, extraPackages: string[] = []): Promise<PreparedPlan> {
    const work = tmp.dirSync({ prefix: 'caiged-build-', unsafeCleanup: true })
    try {
      const builds: SpinBuild[] = []
      for (const spin of spins) {
        const staged = await stageSpin(spin, work.name)
        const variant = spinVariant({ name: spin.name, hash: staged.hash }, extraPackages)
        builds.push({
          name: spin.name,
          contextDir: staged.dir,
          packages: variantPackages(spin.manifest.packages ?? [], variant),
          hash: variant.hash,
          tag: variant.tag,
          description: spin.manifest.description,
          egress: spin.manifest.egress,
        })
      }
      const plan: ImagePlan = { ...inputs, spins: builds }
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
        const image = localImage(plan.imagePrefix, spinImageTag(spin))
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
  async build(
    prepared: PreparedPlan,
    spinNames: string[],
    onLine?: (line: string) => void,
    builder?: string,
    /** A published base to build the spin layers on, instead of building the base here. */
    onBase?: string,
  ): Promise<void> {
    const { plan } = prepared
    const arch = (await this.docker.system.version()).Server.Arch ?? 'amd64'
    const spins = plan.spins.filter((s) => spinNames.includes(s.name))
    await runBake(this.docker, {
      prepared,
      spins,
      includeBase: !onBase,
      pkgDir: await this.packages.ensure(plan.opencodeVersion, [arch]),
      platforms: [`linux/${arch}`],
      invocation: {
        load: true,
        progress: 'plain',
        builder,
        sets: onBase ? spins.map((s) => `${spinTarget(s.name)}.contexts.base=docker-image://${onBase}`) : [],
      },
      onLine,
    })
    const after = await this.status({ ...plan, spins })
    const wrong = after.filter((s) => s.reasons.length > 0)
    if (wrong.length > 0) {
      throw new CaigedError(
        `The build finished but ${wrong.map((w) => w.image).join(', ')} does not carry the expected labels (${wrong[0]?.reasons.join('; ')}).`,
      )
    }
  }
}
