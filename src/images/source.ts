import path from 'node:path'
import { expectedSpinLabels, imageFingerprint, staleReasons, type ImageInputs } from '../bake/plan.js'
import { REGISTRY_PATH, type PullPolicy, type UserConfig } from '../config/schema.js'
import type { Deps } from '../deps.js'
import type { RemoteImage } from '../docker/buildx-client.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { IMAGE_LABELS, Label, labelName } from '../labels.js'
import { packageRoot } from '../paths.js'
import { lastLine } from '../text.js'

/** Where the image a container runs came from. */
export type ImageSource = 'registry' | 'build' | 'local'

export interface ImageChoice {
  source: ImageSource
  /** What the container runs: the local tag, or the published reference (or its uid layer). */
  ref: string
  /** The published index digest, for a registry image. */
  digest?: string
  /** The local image id, when the image exists already. */
  id?: string
  /** What the container carries to say which image it was made from (see decide). */
  fingerprint: string
  /** Why a local build is needed; empty when none is. */
  build: string[]
  /** A local build of the spin layer only, on the published base (which matches this one). */
  onBase?: { ref: string; inputs: ImageInputs }
}

/** The tag CI publishes a spin under for one OpenCode and caiged version (bake/docker-bake.hcl image_tags). */
export function publishedRef(registry: string, inputs: ImageInputs, spin: string): string {
  return `${registry}/${inputs.imagePrefix}-${spin}:oc${inputs.opencodeVersion}-caiged${inputs.caigedVersion}`
}

/** The uid published images are made for; another host uid gets a local layer (Dockerfile.uid). */
export const PUBLISHED_UID = 1000

/**
 * The labels a published image must share with a local build to stand in for it: all of an image's
 * but the base image (the team's choice) and the uid (a local layer adjusts it).
 */
const SAME_CONTENT = IMAGE_LABELS.filter(
  (key) => key !== Label.baseImage && key !== Label.agentUid && key !== Label.agentGid,
)

function contentLabels(inputs: ImageInputs, spin: { name: string; hash: string }): Record<string, string> {
  const all = expectedSpinLabels(inputs, spin)
  return Object.fromEntries(SAME_CONTENT.map((key) => [key, all[key] as string]))
}

/**
 * The fingerprint of a container made from the published image: its content, where it was
 * published, and the agent uid (the base image is the team's choice, so it is not compared).
 */
export function publishedFingerprint(
  inputs: ImageInputs,
  spin: { name: string; hash: string },
  registry: string,
): string {
  return imageFingerprint({
    ...contentLabels(inputs, spin),
    'io.caiged.published-in': registry,
    [Label.agentUid]: String(inputs.agentUid),
  })
}

/** Why a published image cannot stand in for a local build, in a user's words; [] when it can. */
export function publishedMismatch(
  inputs: ImageInputs,
  spin: { name: string; hash: string },
  labels: Record<string, string>,
): string[] {
  const reasons: string[] = []
  for (const [key, want] of Object.entries(contentLabels(inputs, spin))) {
    const have = labels[key]
    if (have === want) continue
    if (key === Label.spinHash) reasons.push(`the ${spin.name} spin here differs from the published one`)
    else reasons.push(`${labelName(key)} ${have ?? 'unknown'} there, ${want} here`)
  }
  return reasons
}

export interface ChooseOptions {
  spin: { name: string; hash: string }
  /** The inputs of a local build (the host user's uid). */
  inputs: ImageInputs
  localRef: string
  registry: string | undefined
  pull: PullPolicy
  /** The engine's platform, e.g. linux/amd64. */
  platform: string
}

/**
 * Which image a container should run: a current local build, the published image when it is
 * exactly what a local build would make (pulled, with a uid layer for another host uid), or a
 * local build. Every reason the registry is not used is said in one line; a registry that
 * cannot be reached is a warning, never a failure.
 */
export async function chooseImage(o: ChooseOptions, d: Pick<Deps, 'docker' | 'io'>): Promise<ImageChoice> {
  const expected = expectedSpinLabels(o.inputs, o.spin)
  const local = await d.docker.images.inspect(o.localRef)
  const localReasons = staleReasons(expected, local?.Config.Labels)
  const built: ImageChoice = {
    source: localReasons.length ? 'build' : 'local',
    ref: o.localRef,
    id: local?.Id,
    fingerprint: imageFingerprint(expected),
    build: localReasons,
  }
  if (!o.registry || o.pull === 'never' || (o.pull === 'missing' && localReasons.length === 0)) {
    return o.registry && localReasons.length ? ((await pulledAlready(o, d)) ?? built) : built
  }
  if (o.pull === 'missing') {
    const pulled = await pulledAlready(o, d)
    if (pulled) return pulled
  }
  const ref = publishedRef(o.registry, o.inputs, o.spin.name)
  const lookup = await d.docker.buildx.inspectRemote(ref)
  if ('unauthorized' in lookup) throw loginNeeded(ref, lookup.unauthorized)
  if ('unreachable' in lookup) {
    d.io.warn(
      `The image registry ${o.registry} cannot be reached (${lookup.unreachable}); using a local image.`,
    )
    return built
  }
  if ('missing' in lookup) {
    say(
      d,
      o,
      `${ref} is not published (OpenCode ${o.inputs.opencodeVersion}, caiged ${o.inputs.caigedVersion})`,
    )
    return (await onPublishedBase(o, local, d)) ?? built
  }
  const labels = lookup.found.platforms[o.platform]
  if (!labels) {
    say(d, o, `${ref} has no ${o.platform} image`)
    return built
  }
  const mismatch = publishedMismatch(o.inputs, o.spin, labels)
  if (mismatch.length) {
    say(d, o, mismatch.join('; '))
    // Only the spin differs (an edited or a project spin): its layer alone, on the published base.
    const spinOnly = mismatch.length === 1 && labels[Label.spinHash] !== o.spin.hash
    return (spinOnly ? await onPublishedBase(o, local, d) : undefined) ?? built
  }
  return (await usePublished(o, ref, lookup.found, d)) ?? built
}

function say(d: Pick<Deps, 'io'>, o: ChooseOptions, why: string): void {
  d.io.progress(`Not using the published ${o.spin.name} image: ${why}.`)
}

/** A published image pulled before (and its uid layer, when one is needed) still stands in. */
async function pulledAlready(
  o: ChooseOptions,
  d: Pick<Deps, 'docker' | 'io'>,
): Promise<ImageChoice | undefined> {
  if (!o.registry) return undefined
  const ref = publishedRef(o.registry, o.inputs, o.spin.name)
  const runRef = uidLayerRef(o) ?? ref
  const image = await d.docker.images.inspect(runRef)
  if (!image || publishedMismatch(o.inputs, o.spin, image.Config.Labels).length) return undefined
  if (image.Config.Labels[Label.agentUid] !== String(o.inputs.agentUid)) return undefined
  const digest = (await d.docker.images.inspect(ref))?.RepoDigests?.[0]?.split('@')[1]
  return {
    source: 'registry',
    ref: runRef,
    digest,
    id: image.Id,
    fingerprint: publishedFingerprint(o.inputs, o.spin, o.registry),
    build: [],
  }
}

/** The local tag of the uid layer over a published image, when the host uid needs one. */
function uidLayerRef(o: ChooseOptions): string | undefined {
  return o.inputs.agentUid === PUBLISHED_UID
    ? undefined
    : `${o.inputs.imagePrefix}:${o.spin.name}-uid${o.inputs.agentUid}`
}

async function usePublished(
  o: ChooseOptions,
  ref: string,
  remote: RemoteImage,
  d: Pick<Deps, 'docker' | 'io'>,
): Promise<ImageChoice | undefined> {
  d.io.progress(`Pulling ${ref}`)
  const pulled = await d.docker.images.pull(ref, (line) => d.io.progress(line))
  if (pulled.exitCode !== 0) {
    const why = lastLine(pulled.stderr)
    if (/no basic auth credentials|unauthorized|denied/i.test(pulled.stderr)) throw loginNeeded(ref, why)
    d.io.warn(`Could not pull ${ref} (${why}); using a local image.`)
    return undefined
  }
  let runRef = ref
  const layer = uidLayerRef(o)
  if (layer) {
    d.io.progress(`Adding a layer for uid ${o.inputs.agentUid} on top of ${ref}`)
    await d.docker.buildx.buildUidLayer({
      from: ref,
      tag: layer,
      uid: o.inputs.agentUid,
      gid: o.inputs.agentGid,
      context: path.join(packageRoot, 'docker'),
      onLine: (line) => d.io.progress(line),
    })
    runRef = layer
  }
  const image = await d.docker.images.inspect(runRef)
  return {
    source: 'registry',
    ref: runRef,
    digest: remote.digest,
    id: image?.Id,
    fingerprint: publishedFingerprint(o.inputs, o.spin, o.registry as string),
    build: [],
  }
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

/** The labels a published base must share with this build's base to carry its spin layer. */
const SAME_BASE = [Label.opencodeVersion, Label.caigedVersion, Label.assetsHash] as const

/**
 * The published base, when it is exactly this build's base (same OpenCode, caiged and assets, and
 * the uid published images are made for): the spin layer is then built alone on top of it. Its
 * images record the base the published one was made from, so a later run finds them current.
 */
async function onPublishedBase(
  o: ChooseOptions,
  local: { Id: string; Config: { Labels: Record<string, string> } } | undefined,
  d: Pick<Deps, 'docker' | 'io'>,
): Promise<ImageChoice | undefined> {
  if (!o.registry || o.inputs.agentUid !== PUBLISHED_UID) return undefined
  const ref = publishedRef(o.registry, o.inputs, 'base')
  const lookup = await d.docker.buildx.inspectRemote(ref)
  const labels = 'found' in lookup ? lookup.found.platforms[o.platform] : undefined
  if (!labels || labels[Label.role] !== 'base' || labels[Label.agentUid] !== String(PUBLISHED_UID))
    return undefined
  const all = expectedSpinLabels(o.inputs, o.spin)
  if (SAME_BASE.some((key) => labels[key] !== all[key])) return undefined
  const inputs = { ...o.inputs, baseImage: labels[Label.baseImage] ?? o.inputs.baseImage }
  const expected = expectedSpinLabels(inputs, o.spin)
  const reasons = staleReasons(expected, local?.Config.Labels)
  if (reasons.length) d.io.progress(`Building only the ${o.spin.name} spin layer, on the published ${ref}.`)
  return {
    source: reasons.length ? 'build' : 'local',
    ref: o.localRef,
    id: local?.Id,
    fingerprint: imageFingerprint(expected),
    build: reasons,
    onBase: { ref, inputs },
  }
}
