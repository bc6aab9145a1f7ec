import { Label } from '../labels.js'
import { settingsDrift, type SettingsRecord } from './settings-record.js'
import { portFromLabels } from './server.js'

/** The container of this name as docker reports it, reduced to what the decision reads. */
export interface ExistingContainer {
  id: string
  running: boolean
  /** The image id it runs. */
  imageId: string
  labels: Record<string, string>
}

/** What this run asks for. */
export interface WantedContainer {
  workdir: string
  /** The settings of the container this run would make (settings-record.ts). */
  settings: SettingsRecord
  /**
   * The fingerprints of images this run would accept as current without looking: a local build's,
   * and the published image's when a registry is configured (images/source.ts).
   */
  imageFingerprints: string[]
}

/** The image chosen (images/source.ts chooseImage), when the decision needed it. */
export interface ImageState {
  /** Why it is built first ([] = it exists and is current). */
  build: string[]
  /** Its local id (undefined until it is built). */
  id?: string
  /** What a container made from it carries. */
  fingerprint: string
}

export interface ReconcileFlags {
  /** --recreate: apply changed settings. */
  recreate: boolean
  /** --yes: answer confirmations with yes. */
  yes: boolean
  /** --rebuild-images: build even a current image. */
  rebuild: boolean
  /** --pull always: look at the image (and the registry) even when the container looks current. */
  refresh?: boolean
}

export type Decision =
  /** The name belongs to a container of another project folder: never taken over. */
  | { action: 'refuse'; owner: string }
  /** The local image must be looked at before anything can be decided. */
  | { action: 'inspect-image' }
  | {
      action: 'reuse' | 'start' | 'create' | 'recreate'
      /** Why a recreate (shown to the user); empty otherwise. */
      why: string
      /** Settings that differ from how the container was made ("ssh: none → agent"). */
      drift: string[]
      /** A recreate for new settings the user has not agreed to yet (no --recreate, no --yes). */
      needsConfirmation: boolean
      /** Why the image is built first; empty when it is not. */
      build: string[]
    }

/** A decision that needs nothing more: what to do with the container (never 'inspect-image'). */
export type Settled = Exclude<Decision, { action: 'inspect-image' }>

/**
 * The whole "what does `run` do with this container" table, as one pure function. It is asked
 * first without the image (the warm path needs none: a container whose fingerprint matches runs a
 * current image); when the answer depends on the image it says 'inspect-image', and is asked again
 * with it, when it always settles.
 */
export function decide(
  existing: ExistingContainer | undefined,
  want: WantedContainer,
  image: ImageState,
  flags: ReconcileFlags,
): Settled
export function decide(
  existing: ExistingContainer | undefined,
  want: WantedContainer,
  image: ImageState | undefined,
  flags: ReconcileFlags,
): Decision
export function decide(
  existing: ExistingContainer | undefined,
  want: WantedContainer,
  image: ImageState | undefined,
  flags: ReconcileFlags,
): Decision {
  if (existing) {
    const owner = existing.labels[Label.workdir]
    // Two folders can derive one name (~/work/code/app and ~/play/code/app): not a changed setting.
    if (owner !== undefined && owner !== want.workdir) return { action: 'refuse', owner }
  }
  const drift = existing ? settingsDrift(want.settings, existing.labels) : []
  const noPort = existing !== undefined && portFromLabels(existing.labels) === undefined
  const fingerprint = existing?.labels[Label.imageFingerprint]
  const current = fingerprint !== undefined && want.imageFingerprints.includes(fingerprint)
  const settingsChange = drift.length > 0 || noPort
  const needsConfirmation = settingsChange && !flags.recreate && !flags.yes

  if (existing && current && !settingsChange && !flags.rebuild && !flags.refresh) {
    return {
      action: existing.running ? 'reuse' : 'start',
      why: '',
      drift,
      needsConfirmation: false,
      build: [],
    }
  }
  if (!image) return { action: 'inspect-image' }

  const build = image.build.length > 0 ? image.build : flags.rebuild ? ['--rebuild-images'] : []
  if (!existing) return { action: 'create', why: '', drift, needsConfirmation: false, build }

  const sameImage = build.length === 0 && existing.imageId === image.id
  if (sameImage && fingerprint === image.fingerprint && !settingsChange) {
    // Looked at (--pull always) and found current after all.
    return { action: existing.running ? 'reuse' : 'start', why: '', drift, needsConfirmation: false, build }
  }
  const why = settingsChange
    ? noPort
      ? 'it records no port'
      : `new settings (${drift.join('; ')})`
    : !sameImage
      ? 'its image changed'
      : 'it was made by another caiged version'
  return { action: 'recreate', why, drift, needsConfirmation, build }
}
