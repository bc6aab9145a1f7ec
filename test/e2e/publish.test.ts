import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Label } from '../../src/labels.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'
import { deleteFromRegistry, multiarchBase, registryProblem, testRegistry } from '../support/registry.js'

/** The newest OpenCode both opencode-linux-x64 and opencode-linux-arm64 have on the npm registry here. */
const BOTH_ARCHS_VERSION = '1.18.18'

interface Published {
  target: string
  ref: string
  tags: string[]
  digest: string
  platforms: string[]
}

describeEngine('publishing: caiged bake --push to a real registry, two platforms', () => {
  let world: ReturnType<typeof e2eWorld>
  let images: Published[]
  let bakeSeconds = 0
  const registryPath = () => `${testRegistry}/${world.prefix}`

  beforeAll(async (context) => {
    if (registryProblem) {
      if (process.env.CAIGED_E2E === '1') throw new Error(registryProblem)
      context.skip(registryProblem)
    }
    world = e2eWorld('pub')
    const started = Date.now()
    const result = await caiged(
      [
        'bake',
        '--push',
        '--json',
        '--platform',
        'linux/amd64,linux/arm64',
        '--registry',
        registryPath(),
        '--opencode-version',
        BOTH_ARCHS_VERSION,
        '--base-image',
        multiarchBase,
        'base',
        'dev',
      ],
      { env: world.env },
    )
    bakeSeconds = (Date.now() - started) / 1000
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0)
    images = (JSON.parse(result.stdout) as { images: Published[] }).images
  }, 900_000)
  afterAll(async () => {
    for (const image of images ?? []) await deleteFromRegistry(image.ref, image.digest)
    world?.cleanup()
  })

  it('prints what it published: one entry per target, tagged with the OpenCode and caiged versions', () => {
    console.log(`[caiged] two-platform bake --push of base + dev: ${bakeSeconds.toFixed(1)} s`)
    expect(images.map((i) => i.target)).toEqual(['base', 'spin-dev'])
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version
    for (const image of images) {
      const name = image.target.replace(/^spin-/, '')
      expect(image.ref).toBe(`${registryPath()}/${world.prefix}-${name}:oc${BOTH_ARCHS_VERSION}-caiged${version}`)
      expect(image.tags).toContain(`${registryPath()}/${world.prefix}-${name}:oc${BOTH_ARCHS_VERSION}`)
      expect(image.platforms).toEqual(['linux/amd64', 'linux/arm64'])
      expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    }
  })

  it('serves each as an OCI index of both platforms, with the digest printed and annotations on the index', async () => {
    for (const image of images) {
      const raw = docker(['buildx', 'imagetools', 'inspect', '--raw', image.ref])
      // The digest the registry serves is the hash of exactly these bytes.
      expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(image.digest)
      const [repo, tag] = image.ref.slice(testRegistry.length + 1).split(':') as [string, string]
      const head = await fetch(`http://${testRegistry}/v2/${repo}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      })
      expect(head.headers.get('docker-content-digest')).toBe(image.digest)
      const index = JSON.parse(raw) as {
        mediaType: string
        annotations?: Record<string, string>
        manifests: { platform?: { architecture: string; os: string } }[]
      }
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
      const platforms = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort()
      expect(platforms).toEqual(['linux/amd64', 'linux/arm64'])
      expect(index.annotations?.['org.opencontainers.image.title']).toBe(
        `caiged ${image.target.replace(/^spin-/, '')}`,
      )
      expect(index.annotations?.[Label.opencodeVersion]).toBe(BOTH_ARCHS_VERSION)
    }
  })

  it("carries caiged's labels on each platform's config, for uid 1000", () => {
    const dev = images.find((i) => i.target === 'spin-dev') as Published
    const configs = JSON.parse(
      docker(['buildx', 'imagetools', 'inspect', dev.ref, '--format', '{{json .Image}}']),
    ) as Record<string, { architecture: string; config: { Labels: Record<string, string> } }>
    expect(Object.keys(configs).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    for (const config of Object.values(configs)) {
      expect(config.config.Labels).toMatchObject({
        [Label.role]: 'spin',
        [Label.spin]: 'dev',
        [Label.opencodeVersion]: BOTH_ARCHS_VERSION,
        [Label.agentUid]: '1000',
        [Label.baseImage]: multiarchBase,
      })
      expect(config.config.Labels[Label.spinHash]).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('runs the arm64 image’s OpenCode under QEMU', () => {
    const dev = images.find((i) => i.target === 'spin-dev') as Published
    const out = docker(['run', '--rm', '--platform', 'linux/arm64', dev.ref, 'sh', '-c', 'uname -m; opencode --version'])
    expect(out.split('\n')).toEqual(['aarch64', BOTH_ARCHS_VERSION])
    docker(['image', 'rm', '-f', dev.ref])
  }, 120_000)
})
