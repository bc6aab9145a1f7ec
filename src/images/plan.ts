import { expectedSpinLabels, imageFingerprint, type ImageInputs } from '../bake/plan.js'
import { checkClientSupported } from '../opencode/dialect.js'
import type { PackageRegistry } from '../opencode/npm-registry.js'
import { resolveOpencodeVersion, type VersionSource } from '../opencode/version.js'
import { agentIds, assetsHash } from './assets.js'

/**
 * The OpenCode version to build or run, decided in one place: --opencode-version, then
 * OPENCODE_VERSION, then the host client's (a client/server mismatch breaks the TUI), then what an
 * existing container or image has (`keep`), then the registry's latest.
 */
export function opencodeVersionFor(
  d: { readonly env: NodeJS.ProcessEnv; readonly npm: PackageRegistry },
  o: {
    flag: string | undefined
    host: () => Promise<string | undefined>
    keep?: () => Promise<string | undefined>
  },
): Promise<{ version: string; source: VersionSource }> {
  const envValue = d.env.OPENCODE_VERSION?.trim()
  return resolveOpencodeVersion({
    requested: o.flag
      ? { value: o.flag, source: 'flag' }
      : envValue
        ? { value: envValue, source: 'OPENCODE_VERSION' }
        : undefined,
    // The host client's version is the default only when caiged can run it.
    hostVersion: async () => checkClientSupported(await o.host()) ?? (await o.keep?.()),
    resolveFromRegistry: (spec) => d.npm.resolveVersion('opencode-ai', spec),
  })
}

/** Everything but the spins that decides an image's content: the one place an ImageInputs is made. */
export async function imageInputs(
  d: { readonly caigedVersion: string },
  o: { opencodeVersion: string; baseImage: string; imagePrefix: string; uid: number; gid: number },
): Promise<ImageInputs> {
  return {
    opencodeVersion: o.opencodeVersion,
    baseImage: o.baseImage,
    imagePrefix: o.imagePrefix,
    caigedVersion: d.caigedVersion,
    assetsHash: await assetsHash(),
    ...agentIds(o.uid, o.gid),
  }
}

/** The fingerprint a spin's image has when built from these inputs (containers carry it). */
export function spinFingerprint(inputs: ImageInputs, spin: { name: string; hash: string }): string {
  return imageFingerprint(expectedSpinLabels(inputs, spin))
}
