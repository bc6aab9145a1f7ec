import path from 'node:path'
import { REGISTRY_PATH, type PullPolicy, type UserConfig } from '../config/schema.js'
import type { Docker, ImageInspect } from '../docker/index.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { packageRoot } from '../paths.js'
import { lastLine } from '../text.js'
import {
  chooseImageSource,
  pullFailure,
  type ImageChoice,
  type ImageFacts,
  type ImagePolicy,
  type LocalImage,
  type SettledImagePlan,
} from './source-decision.js'

export {
  PUBLISHED_UID,
  publishedFingerprint,
  publishedMismatch,
  publishedRef,
  type ImageChoice,
  type ImageSource,
} from './source-decision.js'

/** What choosing and fetching an image uses from a flow's Deps: docker, and where to say what it does. */
export interface ImageDeps {
  readonly docker: Docker
  readonly io: { progress(line: string): void; warn(message: string): void }
}

export type ChooseOptions = ImagePolicy

/**
 * Which image a container should run (source-decision.ts chooseImageSource says which): this
 * gathers the facts the decision asks for, one at a time and only those, and carries out its
 * plan: says why the registry is not used, pulls, adds a uid layer. A registry that cannot be
 * reached is a warning, never a failure; one that wants a login is a failure.
 */
export async function chooseImage(o: ChooseOptions, d: ImageDeps): Promise<ImageChoice> {
  const local = found(await d.docker.images.inspect(o.localRef))
  const facts: ImageFacts = { local }
  let plan = chooseImageSource(facts, o)
  while (plan.action === 'look') {
    if (plan.at === 'pulled') facts.pulled = found(await d.docker.images.inspect(plan.ref)) ?? null
    else facts[plan.at] = await d.docker.buildx.inspectRemote(plan.ref)
    plan = chooseImageSource(facts, o)
  }
  return carryOut(plan, d)
}

function found(image: ImageInspect | undefined): LocalImage | undefined {
  return image && { id: image.Id, labels: image.Config.Labels }
}

async function carryOut(plan: SettledImagePlan, d: ImageDeps): Promise<ImageChoice> {
  if (plan.action === 'login') throw loginNeeded(plan.ref, plan.why)
  for (const line of plan.say) d.io.progress(line)
  if (plan.warn) d.io.warn(plan.warn)
  switch (plan.action) {
    case 'local':
    case 'build':
    case 'on-base':
      return plan.choice
    case 'pulled': {
      const digest = (await d.docker.images.inspect(plan.digestOf))?.RepoDigests?.[0]?.split('@')[1]
      return { ...plan.choice, digest }
    }
    case 'pull':
      return pullPublished(plan, d)
  }
}

/** Pulls the published image (and adds its uid layer); a failed pull falls back to the local build. */
async function pullPublished(
  plan: Extract<SettledImagePlan, { action: 'pull' }>,
  d: ImageDeps,
): Promise<ImageChoice> {
  const { ref, layer } = plan
  d.io.progress(`Pulling ${ref}`)
  const pulled = await d.docker.images.pull(ref, (line) => d.io.progress(line))
  if (pulled.exitCode !== 0) {
    const failure = pullFailure(ref, pulled.stderr, lastLine(pulled.stderr))
    if ('login' in failure) throw loginNeeded(ref, failure.login)
    d.io.warn(failure.warn)
    return plan.fallback
  }
  if (layer) {
    d.io.progress(`Adding a layer for uid ${layer.uid} on top of ${ref}`)
    await d.docker.buildx.buildUidLayer({
      from: ref,
      tag: layer.tag,
      uid: layer.uid,
      gid: layer.gid,
      context: path.join(packageRoot, 'docker'),
      onLine: (line) => d.io.progress(line),
    })
  }
  const image = await d.docker.images.inspect(plan.choice.ref)
  return { ...plan.choice, id: image?.Id }
}

function loginNeeded(ref: string, why: string): CaigedError {
  const host = ref.split('/')[0] as string
  return new CaigedError(`The image registry ${host} refuses to serve ${ref} without a login (${why}).`, {
    exitCode: ExitCode.Config,
    hint: `Log in with docker's own credentials: docker login ${host} (caiged never reads them). Or unset images.registry to build locally.`,
  })
}

/** Where published images are (flag > CAIGED_IMAGE_REGISTRY > config) and when to pull them. */
export function publishedImageSettings(
  flags: { registry?: string; pull?: PullPolicy },
  config: UserConfig,
  env: NodeJS.ProcessEnv,
): { registry: string | undefined; pull: PullPolicy } {
  const registry =
    flags.registry ?? (env.CAIGED_IMAGE_REGISTRY?.trim() || undefined) ?? config.images?.registry
  if (registry && !REGISTRY_PATH.test(registry)) {
    throw usageError(
      `"${registry}" is not a registry path.`,
      'For example ghcr.io/me or registry.example:5000/team.',
    )
  }
  return { registry, pull: flags.pull ?? config.images?.pull ?? 'missing' }
}
