import type { ImageInputs } from '../../bake/plan.js'
import type { Deps } from '../../deps.js'
import { chooseImage, publishedFingerprint, type ImageChoice } from '../../images/source.js'
import { imageInputs, opencodeVersionFor, spinFingerprint } from '../../images/plan.js'
import { Label } from '../../labels.js'
import type { RunOptions } from './options.js'
import type { RunLookups } from './lookup.js'
import type { RunPlan } from './plan.js'

/** The image a run wants: its OpenCode version and inputs, and the fingerprints it accepts as current. */
export interface WantedImage {
  version: string
  inputs: ImageInputs
  /** A local build's, and the published image's when a registry is configured. */
  fingerprints: string[]
}

/**
 * What the run's image must be. The OpenCode version: the flag, else OPENCODE_VERSION, else the
 * host client's; with none of those, the one the container or image has; the registry's last.
 */
export async function wantedImage(
  o: Pick<RunOptions, 'opencodeVersion'>,
  plan: RunPlan,
  found: Pick<RunLookups, 'agent' | 'hostVersion' | 'localRef' | 'spinId'>,
  d: Pick<Deps, 'env' | 'npm' | 'docker' | 'hostIds' | 'caigedVersion'>,
): Promise<WantedImage> {
  const { version } = await opencodeVersionFor(d, {
    flag: o.opencodeVersion,
    host: async () => found.hostVersion,
    keep: async () =>
      found.agent?.Config.Labels[Label.opencodeVersion] ??
      (await d.docker.images.inspect(found.localRef))?.Config.Labels[Label.opencodeVersion],
  })
  const inputs = await imageInputs(d, {
    opencodeVersion: version,
    baseImage: plan.baseImage,
    imagePrefix: plan.prefix,
    ...d.hostIds,
  })
  const fingerprints = [spinFingerprint(inputs, found.spinId)]
  if (plan.registry) fingerprints.push(publishedFingerprint(inputs, found.spinId, plan.registry))
  return { version, inputs, fingerprints }
}

/** Which image the container runs (a local build, the published one, or a layer on it). */
export async function chooseRunImage(
  o: Pick<RunOptions, 'rebuildImages'>,
  plan: RunPlan,
  found: Pick<RunLookups, 'localRef' | 'spinId'>,
  wanted: WantedImage,
  d: Pick<Deps, 'docker' | 'io'>,
): Promise<ImageChoice> {
  return chooseImage(
    {
      spin: found.spinId,
      inputs: wanted.inputs,
      localRef: found.localRef,
      // --rebuild-images builds here, whatever is published.
      registry: o.rebuildImages ? undefined : plan.registry,
      pull: plan.pull,
      platform: `linux/${(await d.docker.system.version()).Server.Arch ?? 'amd64'}`,
    },
    d,
  )
}
