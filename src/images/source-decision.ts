import { expectedSpinLabels, imageFingerprint, staleReasons, type ImageInputs } from '../bake/plan.js'
import type { PullPolicy } from '../config/schema.js'
import type { RemoteLookup } from '../docker/buildx-client.js'
import { IMAGE_LABELS, Label, labelName } from '../labels.js'

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

/** What a run asks of its image: the spin, the inputs of a local build, and where and when to pull. */
export interface ImagePolicy {
  spin: { name: string; hash: string }
  /** The inputs of a local build (the host user's uid). */
  inputs: ImageInputs
  localRef: string
  registry: string | undefined
  pull: PullPolicy
  /** The engine's platform, e.g. linux/amd64. */
  platform: string
}

/** An image docker has here, reduced to what the decision reads. */
export interface LocalImage {
  id: string
  labels: Record<string, string>
}

/**
 * What the executor found out so far. Only `local` is always looked at; each other fact is looked
 * at when the decision asks for it (absent: not looked at yet), in the order it asks.
 */
export interface ImageFacts {
  /** The local build (undefined: there is none). */
  local: LocalImage | undefined
  /** The published image pulled before, or its uid layer (null: not here). */
  pulled?: LocalImage | null
  /** The registry's answer about the published image. */
  remote?: RemoteLookup
  /** The registry's answer about the published base. */
  base?: RemoteLookup
}

/** What to say along with a plan: "Not using the published … image: why." lines, and a warning. */
interface Said {
  say: string[]
  warn?: string
}

/** A local build of the uid layer over the published image. */
export interface UidLayer {
  tag: string
  uid: number
  gid: number
}

export type ImagePlan =
  /** One more fact is needed before anything can be decided: look at it and ask again. */
  | { action: 'look'; at: 'pulled' | 'remote' | 'base'; ref: string }
  /** The registry wants credentials docker does not have: a failure, with how to log in. */
  | { action: 'login'; ref: string; why: string }
  /** The local build as it is ('local': current; 'build': built first, choice.build says why). */
  | ({ action: 'local' | 'build'; choice: ImageChoice } & Said)
  /** Only the spin layer, built on the published base (choice.onBase). */
  | ({ action: 'on-base'; choice: ImageChoice } & Said)
  /** The published image pulled before (or its uid layer); its digest is read from `digestOf`. */
  | ({ action: 'pulled'; choice: ImageChoice; digestOf: string } & Said)
  /**
   * Pull `ref` (and build `layer` on it), then run choice.ref, whose id is looked at after; when
   * the pull fails for another reason than a login (pullFailure), the `fallback` local build.
   */
  | ({ action: 'pull'; ref: string; layer?: UidLayer; choice: ImageChoice; fallback: ImageChoice } & Said)

/** A settled plan: what the executor carries out (never 'look'). */
export type SettledImagePlan = Exclude<ImagePlan, { action: 'look' }>

/** The tag CI publishes a spin under for one OpenCode and caiged version (bake/docker-bake.hcl image_tags). */
export function publishedRef(registry: string, inputs: ImageInputs, spin: string): string {
  return `${registry}/${inputs.imagePrefix}-${spin}:oc${inputs.opencodeVersion}-caiged${inputs.caigedVersion}`
}

/** The uid published images are made for; another host uid gets a local layer (Dockerfile.uid). */
export const PUBLISHED_UID = 1000

/** The local tag of the uid layer over a published image, when the host uid needs one. */
export function uidLayerRef(inputs: ImageInputs, spin: string): string | undefined {
  return inputs.agentUid === PUBLISHED_UID ? undefined : `${inputs.imagePrefix}:${spin}-uid${inputs.agentUid}`
}

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

/**
 * A failed `docker pull`: a registry that wants a login (a failure, said with how to log in), or
 * anything else (a warning; the local build is used). Only the registry's own words count as a
 * login: "permission denied" from the engine's disk is not one.
 */
export function pullFailure(ref: string, stderr: string, why: string): { login: string } | { warn: string } {
  return /no basic auth credentials|unauthorized|pull access denied|(?<!permission )denied:/i.test(stderr)
    ? { login: why }
    : { warn: `Could not pull ${ref} (${why}); using a local image.` }
}

/** The local image built from these inputs: current, or to build, with why. */
function localChoice(facts: ImageFacts, policy: ImagePolicy, inputs: ImageInputs): ImageChoice {
  const expected = expectedSpinLabels(inputs, policy.spin)
  const reasons = staleReasons(expected, facts.local?.labels)
  return {
    source: reasons.length ? 'build' : 'local',
    ref: policy.localRef,
    id: facts.local?.id,
    fingerprint: imageFingerprint(expected),
    build: reasons,
  }
}

/**
 * The whole "which image does this container run" table, as one pure function: a current local
 * build; else (with a registry, as the pull policy allows) the published image pulled before, or
 * the published image when it is exactly what a local build would make (with a uid layer for
 * another host uid), or only the spin layer on the published base; else a local build. It is
 * asked first with the local image alone; while it needs another fact it says 'look', and is
 * asked again with it. Every reason the registry is not used is one line in `say`.
 */
export function chooseImageSource(facts: ImageFacts, policy: ImagePolicy): ImagePlan {
  const { registry, pull, inputs, spin } = policy
  const built = localChoice(facts, policy, inputs)
  const reasons = built.build
  const local = (said: Said = { say: [] }): ImagePlan => ({
    action: reasons.length ? 'build' : 'local',
    choice: built,
    ...said,
  })
  // A current local build is used unless --pull always asks the registry anyway.
  if (!registry || (reasons.length === 0 && pull !== 'always')) return local()
  const ref = publishedRef(registry, inputs, spin.name)
  const fingerprint = publishedFingerprint(inputs, spin, registry)
  if (pull !== 'always') {
    const runRef = uidLayerRef(inputs, spin.name) ?? ref
    if (facts.pulled === undefined) return { action: 'look', at: 'pulled', ref: runRef }
    if (pulledFits(facts.pulled, policy)) {
      const choice: ImageChoice = {
        source: 'registry',
        ref: runRef,
        id: facts.pulled.id,
        fingerprint,
        build: [],
      }
      return { action: 'pulled', choice, digestOf: ref, say: [] }
    }
    if (pull === 'never') return local()
  }
  const remote = facts.remote
  if (!remote) return { action: 'look', at: 'remote', ref }
  if ('unauthorized' in remote) return { action: 'login', ref, why: remote.unauthorized }
  if ('unreachable' in remote) {
    return local({
      say: [],
      warn: `The image registry ${registry} cannot be reached (${remote.unreachable}); using a local image.`,
    })
  }
  const notUsing = (why: string) => [`Not using the published ${spin.name} image: ${why}.`]
  if ('missing' in remote) {
    const why = `${ref} is not published (OpenCode ${inputs.opencodeVersion}, caiged ${inputs.caigedVersion})`
    return onPublishedBase(facts, policy, notUsing(why)) ?? local({ say: notUsing(why) })
  }
  const labels = remote.found.platforms[policy.platform]
  if (!labels) return local({ say: notUsing(`${ref} has no ${policy.platform} image`) })
  const mismatch = publishedMismatch(inputs, spin, labels)
  if (mismatch.length) {
    const say = notUsing(mismatch.join('; '))
    // Only the spin differs (an edited or a project spin): its layer alone, on the published base.
    const spinOnly = mismatch.length === 1 && labels[Label.spinHash] !== spin.hash
    return (spinOnly ? onPublishedBase(facts, policy, say) : undefined) ?? local({ say })
  }
  const layerTag = uidLayerRef(inputs, spin.name)
  return {
    action: 'pull',
    ref,
    layer: layerTag ? { tag: layerTag, uid: inputs.agentUid, gid: inputs.agentGid } : undefined,
    choice: { source: 'registry', ref: layerTag ?? ref, digest: remote.found.digest, fingerprint, build: [] },
    fallback: built,
    say: [],
  }
}

/** A published image pulled before stands in when its content is this build's, for this uid. */
function pulledFits(pulled: LocalImage | null, policy: ImagePolicy): pulled is LocalImage {
  return (
    pulled !== null &&
    publishedMismatch(policy.inputs, policy.spin, pulled.labels).length === 0 &&
    pulled.labels[Label.agentUid] === String(policy.inputs.agentUid)
  )
}

/** The labels a published base must share with this build's base to carry its spin layer. */
const SAME_BASE = [Label.opencodeVersion, Label.caigedVersion, Label.assetsHash] as const

/**
 * The published base, when it is exactly this build's base (same OpenCode, caiged and assets, and
 * the uid published images are made for): the spin layer is then built alone on top of it. Its
 * images record the base the published one was made from, so a later run finds them current.
 * undefined: no such base (the whole image is built here).
 */
function onPublishedBase(facts: ImageFacts, policy: ImagePolicy, say: string[]): ImagePlan | undefined {
  const { registry, inputs, spin } = policy
  if (!registry || inputs.agentUid !== PUBLISHED_UID) return undefined
  const ref = publishedRef(registry, inputs, 'base')
  if (!facts.base) return { action: 'look', at: 'base', ref }
  const labels = 'found' in facts.base ? facts.base.found.platforms[policy.platform] : undefined
  if (!labels || labels[Label.role] !== 'base' || labels[Label.agentUid] !== String(PUBLISHED_UID))
    return undefined
  const all = expectedSpinLabels(inputs, spin)
  if (SAME_BASE.some((key) => labels[key] !== all[key])) return undefined
  const onBase = { ref, inputs: { ...inputs, baseImage: labels[Label.baseImage] ?? inputs.baseImage } }
  const choice: ImageChoice = { ...localChoice(facts, policy, onBase.inputs), onBase }
  const building = choice.build.length
    ? [`Building only the ${spin.name} spin layer, on the published ${ref}.`]
    : []
  return { action: 'on-base', choice, say: [...say, ...building] }
}
