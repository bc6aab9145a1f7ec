import { createHash } from 'node:crypto'
import { hclMap, hclString } from './hcl.js'

/** One spin as the build sees it: its prepared context folder and what identifies its content. */
export interface SpinBuild {
  name: string
  /** The folder caiged prepared: AGENTS.md, skills/ and the rendered opencode.json. */
  contextDir: string
  packages: string[]
  /** Content hash of the prepared folder and the package list. */
  hash: string
  description: string
}

/** Everything that decides what an image holds; any change to it makes the image stale. */
export interface ImagePlan {
  opencodeVersion: string
  baseImage: string
  imagePrefix: string
  caigedVersion: string
  assetsHash: string
  agentUid: number
  agentGid: number
  spins: SpinBuild[]
}

export const Labels = {
  role: 'io.caiged.role',
  spin: 'io.caiged.spin',
  spinHash: 'io.caiged.spin-hash',
  opencodeVersion: 'io.caiged.opencode-version',
  caigedVersion: 'io.caiged.version',
  assetsHash: 'io.caiged.assets-hash',
  baseImage: 'io.caiged.base-image',
  agentUid: 'io.caiged.agent-uid',
  agentGid: 'io.caiged.agent-gid',
} as const

export const spinTarget = (spin: string) => `spin-${spin}`
export const localImage = (prefix: string, name: string) => `${prefix}:${name}`

/** Values for the variables of bake/docker-bake.hcl (bake reads them from the environment). */
export function bakeVariables(
  plan: ImagePlan,
  opencodePkgDir: string,
  platforms: string[] = [],
): Record<string, string> {
  return {
    PLATFORMS: platforms.join(','),
    OPENCODE_VERSION: plan.opencodeVersion,
    OPENCODE_PKG_DIR: opencodePkgDir,
    BASE_IMAGE: plan.baseImage,
    IMAGE_PREFIX: plan.imagePrefix,
    CAIGED_VERSION: plan.caigedVersion,
    ASSETS_HASH: plan.assetsHash,
    AGENT_UID: String(plan.agentUid),
    AGENT_GID: String(plan.agentGid),
  }
}

/** The labels a spin's image must carry to be up to date with the plan. */
export function expectedSpinLabels(plan: ImagePlan, spin: SpinBuild): Record<string, string> {
  return {
    [Labels.role]: 'spin',
    [Labels.spin]: spin.name,
    [Labels.spinHash]: spin.hash,
    [Labels.opencodeVersion]: plan.opencodeVersion,
    [Labels.caigedVersion]: plan.caigedVersion,
    [Labels.assetsHash]: plan.assetsHash,
    [Labels.baseImage]: plan.baseImage,
    [Labels.agentUid]: String(plan.agentUid),
    [Labels.agentGid]: String(plan.agentGid),
  }
}

/**
 * One value for everything that decides an image's content (its expected labels). Containers carry
 * it, so a warm run knows its container runs an up-to-date image without asking for the image.
 */
export function imageFingerprint(expectedLabels: Record<string, string>): string {
  const canonical = JSON.stringify(
    Object.entries(expectedLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  )
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32)
}

const LABEL_NAMES: Record<string, string> = {
  [Labels.spinHash]: 'spin content',
  [Labels.opencodeVersion]: 'OpenCode version',
  [Labels.caigedVersion]: 'caiged version',
  [Labels.assetsHash]: 'image assets (docker/, bake/)',
  [Labels.baseImage]: 'base image',
  [Labels.agentUid]: 'agent uid',
  [Labels.agentGid]: 'agent gid',
}

/** Why an image is stale (empty when it is up to date); `undefined` image means it is missing. */
export function staleReasons(
  expected: Record<string, string>,
  actual: Record<string, string> | undefined,
): string[] {
  if (actual === undefined) return ['no image yet']
  const reasons: string[] = []
  for (const [key, want] of Object.entries(expected)) {
    const have = actual[key]
    if (have === want) continue
    const what = LABEL_NAMES[key] ?? key
    reasons.push(have === undefined ? `${what} unknown` : `${what} ${short(have)} → ${short(want)}`)
  }
  return reasons
}

const short = (v: string) => (/^[0-9a-f]{16,}$/.test(v) ? v.slice(0, 12) : v)

/**
 * The generated bake file: one target per spin, inheriting "_spin" from bake/docker-bake.hcl, and a
 * group "spins". Pure text, so it can be read, printed and snapshot-tested.
 */
export function renderSpinsHcl(spins: SpinBuild[]): string {
  const blocks = spins.map((spin) => {
    const labels = hclMap(
      {
        [Labels.spin]: spin.name,
        [Labels.spinHash]: spin.hash,
        'org.opencontainers.image.title': `caiged ${spin.name}`,
        'org.opencontainers.image.description': spin.description,
      },
      '  ',
    )
    return [
      `target ${hclString(spinTarget(spin.name))} {`,
      `  inherits = ["_spin"]`,
      `  contexts = {`,
      `    base = "target:base"`,
      `    spin = ${hclString(spin.contextDir)}`,
      `  }`,
      `  args = {`,
      `    SPIN          = ${hclString(spin.name)}`,
      `    SPIN_PACKAGES = ${hclString(spin.packages.join(' '))}`,
      `  }`,
      `  tags   = image_tags(${hclString(spin.name)})`,
      `  labels = ${labels}`,
      `}`,
    ].join('\n')
  })
  const group = `group "spins" {\n  targets = [${spins.map((s) => hclString(spinTarget(s.name))).join(', ')}]\n}`
  return `# Generated by caiged: one target per spin. Do not edit; see bake/docker-bake.hcl.\n\n${[...blocks, group].join('\n\n')}\n`
}
