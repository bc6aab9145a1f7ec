import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { bakeArgs } from '../bake/bake-args.js'
import { staleReasons } from '../bake/plan.js'
import type { Docker } from '../docker/index.js'
import { CaigedError } from '../errors.js'
import { Label } from '../labels.js'
import { packageRoot } from '../paths.js'

/** The files the gateway image is built from (bake/docker-bake.hcl holds its target). */
export const GATEWAY_FILES = [
  'docker/Dockerfile.egress',
  'docker/caiged-slim.dpkg.cfg',
  'docker/egress/squid.conf',
  'docker/egress/caiged-egress',
  'docker/egress/caiged-egress-apply',
  'docker/egress/caiged-egress-ca',
  'docker/egress/ERR_CAIGED_GITHUB_SCOPE',
]
export const GATEWAY_TARGET = 'egress'

export const gatewayImage = (prefix: string) => `${prefix}:egress`
/** Where `caiged bake --push` publishes it (bake/docker-bake.hcl target "egress"). */
export const publishedGatewayImage = (registry: string, prefix: string, caigedVersion: string) =>
  `${registry}/${prefix}-egress:caiged${caigedVersion}`

export async function gatewayFilesHash(root: string = packageRoot): Promise<string> {
  const hash = createHash('sha256')
  for (const file of GATEWAY_FILES)
    hash
      .update(file)
      .update('\0')
      .update(await fs.readFile(path.join(root, file)))
  return hash.digest('hex')
}

export interface GatewayInputs {
  imagePrefix: string
  baseImage: string
  caigedVersion: string
}

export function expectedGatewayLabels(inputs: GatewayInputs, filesHash: string): Record<string, string> {
  return {
    [Label.role]: 'egress',
    [Label.caigedVersion]: inputs.caigedVersion,
    [Label.baseImage]: inputs.baseImage,
    [Label.egressHash]: filesHash,
  }
}

/**
 * The gateway image: the published one when a registry is set and it was built from these files
 * (pulled once), else a local one, built with the same bake file as the agents' images when it is
 * missing or stale. Its build installs squid and socat from Debian's packages.
 */
export async function ensureGatewayImage(
  docker: Docker,
  inputs: GatewayInputs,
  o: {
    builder?: string
    onLine?: (line: string) => void
    rebuild?: boolean
    registry?: string
    pull?: 'missing' | 'always' | 'never'
  } = {},
): Promise<{ ref: string; source: 'registry' | 'local' | 'build'; reasons: string[] }> {
  const ref = gatewayImage(inputs.imagePrefix)
  const filesHash = await gatewayFilesHash()
  const expected = expectedGatewayLabels(inputs, filesHash)
  const current = async (image: string, want: Record<string, string>) =>
    staleReasons(want, (await docker.images.inspect(image))?.Config.Labels).length === 0
  if (!o.rebuild && o.registry) {
    // Published from CI's base image, whichever it was: its files and caiged's version decide.
    const { [Label.baseImage]: _base, ...publishedExpected } = expected
    const published = publishedGatewayImage(o.registry, inputs.imagePrefix, inputs.caigedVersion)
    if (await current(published, publishedExpected))
      return { ref: published, source: 'registry', reasons: [] }
    if (!(await current(ref, expected)) && o.pull !== 'never') {
      const pulled = await docker.images.pull(published, o.onLine)
      if (pulled.exitCode === 0 && (await current(published, publishedExpected)))
        return { ref: published, source: 'registry', reasons: [] }
    }
  }
  const reasons = o.rebuild
    ? ['rebuild asked for']
    : staleReasons(expected, (await docker.images.inspect(ref))?.Config.Labels)
  if (reasons.length === 0) return { ref, source: 'local', reasons }
  const args = bakeArgs({
    files: [path.join('bake', 'docker-bake.hcl')],
    targets: [GATEWAY_TARGET],
    buildxVersion: await docker.buildx.version(),
    load: true,
    progress: 'plain',
    builder: o.builder,
  })
  const tail: string[] = []
  const result = await docker.buildx.bake(args, {
    env: {
      BASE_IMAGE: inputs.baseImage,
      IMAGE_PREFIX: inputs.imagePrefix,
      CAIGED_VERSION: inputs.caigedVersion,
      EGRESS_HASH: filesHash,
    },
    cwd: packageRoot,
    onLine: (line) => {
      tail.push(line)
      if (tail.length > 25) tail.shift()
      o.onLine?.(line)
    },
  })
  if (result.exitCode !== 0) {
    // Another run built it meanwhile (two runs on a fresh machine race for the same tag): use it.
    if (await current(ref, expected)) return { ref, source: 'local', reasons: [] }
    throw new CaigedError(
      `The egress gateway image build failed (docker buildx bake exited ${result.exitCode}).`,
      {
        hint: `Its last lines:\n${(tail.length ? tail : result.stderr.split('\n')).slice(-25).join('\n')}`,
      },
    )
  }
  return { ref, source: 'build', reasons }
}
