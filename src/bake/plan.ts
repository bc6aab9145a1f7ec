import { createHash } from 'node:crypto'
import { Label, labelName } from '../labels.js'
import { hclMap, hclString } from './hcl.js'
import { spinEgressLabel } from './spin-egress-label.js'

/** One spin as the build sees it: its prepared context folder and what identifies its content. */
export interface SpinBuild {
  name: string
  /** The folder caiged prepared: AGENTS.md, skills/ and the rendered opencode.json. */
  contextDir: string
  packages: string[]
  /** Content hash of the prepared folder and the package list. */
  hash: string
  description: string
  /** The spin.yaml's egress rules, carried as a label into every container of the image. */
  egress?: { allow?: string[]; deny?: string[] }
  /** The local tag, when it is not the spin's name (a project's variant, see spins/variant.ts). */
  tag?: string
}

/** Everything but the spins that decides what an image holds; any change to it makes the image stale. */
export interface ImageInputs {
  opencodeVersion: string
  baseImage: string
  imagePrefix: string
  caigedVersion: string
  assetsHash: string
  agentUid: number
  agentGid: number
}

/** The inputs and the spins to build from them. */
export interface ImagePlan extends ImageInputs {
  spins: SpinBuild[]
}

export const spinTarget = (spin: string) => `spin-${spin}`
export const localImage = (prefix: string, name: string) => `${prefix}:${name}`
/** The tag a spin's local image has: its name, or its project variant's. */
export const spinImageTag = (spin: Pick<SpinBuild, 'name' | 'tag'>) => spin.tag ?? spin.name

/** Values for the variables of bake/docker-bake.hcl (bake reads them from the environment). */
export function bakeVariables(
  plan: ImageInputs,
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
export function expectedSpinLabels(
  plan: ImageInputs,
  spin: Pick<SpinBuild, 'name' | 'hash'>,
): Record<string, string> {
  return {
    [Label.role]: 'spin',
    [Label.spin]: spin.name,
    [Label.spinHash]: spin.hash,
    [Label.opencodeVersion]: plan.opencodeVersion,
    [Label.caigedVersion]: plan.caigedVersion,
    [Label.assetsHash]: plan.assetsHash,
    [Label.baseImage]: plan.baseImage,
    [Label.agentUid]: String(plan.agentUid),
    [Label.agentGid]: String(plan.agentGid),
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
    const what = labelName(key)
    reasons.push(have === undefined ? `${what} unknown` : `${what} ${short(have)} → ${short(want)}`)
  }
  return reasons
}

const short = (v: string) => (/^[0-9a-f]{16,}$/.test(v) ? v.slice(0, 12) : v)

/** One OpenCode version of a version matrix, with the folder holding its packages. */
export interface VersionCell {
  version: string
  pkgDir: string
}

/** A target of one OpenCode version in a matrix bake: `spin-dev-oc1_18_18`, `base-oc1_18_18`. */
export const versionTarget = (target: string, version: string) =>
  `${target}-oc${version.replace(/[^A-Za-z0-9_-]/g, '_')}`

/** The block naming every base of a matrix bake (bake makes it a group of them). */
export const BASES_BLOCK = 'bases'

/**
 * The generated bake file: one target per spin, inheriting "_spin" from bake/docker-bake.hcl, and a
 * group "spins". With several OpenCode versions, every spin and the base become bake matrices over
 * them (one HCL, one bake run, each base built once per version). Pure text, so it can be read,
 * printed and snapshot-tested.
 */
export function renderSpinsHcl(spins: SpinBuild[], versions: VersionCell[] = []): string {
  const matrix = versions.length > 1
  const cells = versions
    .map(
      (v) =>
        `{ id = ${hclString(versionTarget('', v.version).slice(3))}, version = ${hclString(v.version)}, pkg = ${hclString(v.pkgDir)} }`,
    )
    .join(', ')
  const matrixLines = (target: string) => [
    `  name     = "${target}-oc\${item.id}"`,
    `  matrix   = { item = [${cells}] }`,
  ]
  const blocks = spins.map((spin) => {
    const labels = hclMap(
      {
        [Label.spin]: spin.name,
        [Label.spinHash]: spin.hash,
        [Label.spinEgress]: spinEgressLabel(spin.egress),
        'org.opencontainers.image.title': `caiged ${spin.name}`,
        'org.opencontainers.image.description': spin.description,
      },
      '  ',
    )
    return [
      `target ${hclString(spinTarget(spin.name))} {`,
      ...(matrix ? matrixLines(spinTarget(spin.name)) : []),
      `  inherits = ["_spin"]`,
      `  contexts = {`,
      matrix ? `    base = "target:base-oc\${item.id}"` : `    base = "target:base"`,
      `    spin = ${hclString(spin.contextDir)}`,
      `  }`,
      `  args = {`,
      `    SPIN          = ${hclString(spin.name)}`,
      `    SPIN_PACKAGES = ${hclString(spin.packages.join(' '))}`,
      ...(matrix ? [`    OPENCODE_VERSION = item.version`] : []),
      `  }`,
      matrix
        ? `  tags   = image_tags_for(${hclString(spin.name)}, item.version)`
        : `  tags   = image_tags(${hclString(spinImageTag(spin))})`,
      matrix
        ? `  labels = merge(${labels}, { ${hclString(Label.opencodeVersion)} = item.version })`
        : `  labels = ${labels}`,
      `}`,
    ].join('\n')
  })
  const bases = matrix
    ? [
        [
          `target ${hclString(BASES_BLOCK)} {`,
          ...matrixLines('base'),
          `  inherits = ["base"]`,
          `  contexts = { opencode-pkg = item.pkg }`,
          `  args     = { OPENCODE_VERSION = item.version }`,
          `  tags     = image_tags_for("base", item.version)`,
          `  labels = {`,
          `    ${hclString(Label.opencodeVersion)} = item.version`,
          `    "org.opencontainers.image.description" = "OpenCode \${item.version} server for caiged, no spin"`,
          `  }`,
          `}`,
        ].join('\n'),
      ]
    : []
  const group = `group "spins" {\n  targets = [${spins.map((s) => hclString(spinTarget(s.name))).join(', ')}]\n}`
  return `# Generated by caiged: one target per spin. Do not edit; see bake/docker-bake.hcl.\n\n${[...bases, ...blocks, group].join('\n\n')}\n`
}
