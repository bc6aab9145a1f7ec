import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { bakeImages, buildImages, type BakeOptions } from '../../../src/flows/images.js'
import { packageRoot } from '../../../src/paths.js'
import { FakeDocker, notFound, testDeps } from '../../support/fakes.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})
function deps(docker: FakeDocker) {
  const d = testDeps({ docker })
  roots.push(d.root)
  return d
}
const bake = (o: Partial<BakeOptions>): BakeOptions => ({
  targets: [],
  print: true,
  push: false,
  platforms: ['linux/amd64', 'linux/arm64'],
  cacheFrom: [],
  cacheTo: [],
  sets: [],
  opencodeVersions: ['1.18.33'],
  project: packageRoot,
  ...o,
})
const printed = {
  stdout: JSON.stringify({ group: { default: { targets: ['spin-dev'] } }, target: { 'spin-dev': {} } }),
}

describe('bakeImages', () => {
  it('prints one bake for the named targets, with a cache per target, for uid 1000, downloading nothing', async () => {
    const docker = new FakeDocker()
      .on(/^buildx version$/, { stdout: 'github.com/docker/buildx 0.29.1 abc' })
      .on(/^buildx bake /, printed, 1)
    const d = deps(docker)
    const result = await bakeImages(
      bake({
        targets: ['dev'],
        registry: 'registry.example:5000/team',
        cacheFrom: ['type=registry,ref=r.example/c'],
      }),
      d,
    )
    expect(result.printed).toEqual(JSON.parse(printed.stdout))
    const argv = docker.calls.find((c) => c.startsWith('buildx bake ')) as string
    expect(argv).toMatch(/^buildx bake -f bake\/docker-bake\.hcl -f \S+\/spins\.hcl --print /)
    expect(argv).toContain('--set base.cache-from=type=registry,ref=r.example/c:base')
    expect(argv).toContain('--set spin-dev.cache-from=type=registry,ref=r.example/c:spin-dev')
    // The named target last, and nothing else: "dev" is a target, never a cache source.
    expect(argv.endsWith(' spin-dev')).toBe(true)
    const env = docker.envs[docker.calls.indexOf(argv)] ?? {}
    expect(env).toMatchObject({
      PLATFORMS: 'linux/amd64,linux/arm64',
      REGISTRY: 'registry.example:5000/team',
      AGENT_UID: '1000',
      AGENT_GID: '1000',
      OPENCODE_VERSION: '1.18.33',
    })
  })

  it('refuses a registry path or tag docker would not take, before anything runs', async () => {
    const docker = new FakeDocker()
    await expect(bakeImages(bake({ registry: 'Not A Registry' }), deps(docker))).rejects.toThrow(
      '"Not A Registry" is not a registry path.',
    )
    await expect(bakeImages(bake({ tag: '-bad' }), deps(docker))).rejects.toThrow(
      '"-bad" is not a valid image tag.',
    )
    await expect(bakeImages(bake({ sets: ['nonsense'] }), deps(docker))).rejects.toThrow(
      '--set "nonsense" is not TARGET.KEY=VALUE.',
    )
    expect(docker.calls).toEqual([])
  })
})

describe('buildImages', () => {
  it('asks to name spins or --all, not both, and not neither', async () => {
    const d = deps(new FakeDocker())
    const base = { rebuild: false, project: packageRoot, opencodeVersion: '1.18.33' }
    await expect(buildImages({ ...base, spins: ['dev'], all: true }, d)).rejects.toThrow(
      'Name spins or use --all, not both.',
    )
    await expect(buildImages({ ...base, spins: [], all: false }, d)).rejects.toThrow(/^Which spins\?/)
  })

  it('checks every spin before it builds anything: one unknown spin builds nothing', async () => {
    const docker = new FakeDocker()
    await expect(
      buildImages(
        {
          spins: ['dev', 'no_such'],
          all: false,
          rebuild: false,
          project: packageRoot,
          opencodeVersion: '1.18.33',
        },
        deps(docker),
      ),
    ).rejects.toThrow('Unknown spin "no_such".')
    expect(docker.calls).toEqual([])
  })

  it('says why an image is to be built (missing), then builds it with one bake for the engine platform', async () => {
    const docker = new FakeDocker()
      .on(/^image inspect -- caiged:dev$/, notFound('image'), 1)
      .on(/^version --format/, {
        stdout: JSON.stringify({
          Client: { Version: '28', ApiVersion: '1.51' },
          Server: { Version: '28', ApiVersion: '1.51', Arch: 'amd64' },
        }),
      })
      .on(/^buildx version$/, { stdout: 'github.com/docker/buildx 0.29.1 abc' })
      .on(/^buildx bake /, { exitCode: 1, stderr: 'ERROR: failed to solve: no network here' }, 1)
    const d = deps(docker)
    // The OpenCode package is already in the cache: nothing is downloaded.
    const pkgDir = `${d.paths.cacheDir}/opencode/1.18.33`
    fs.mkdirSync(pkgDir, { recursive: true })
    const tgz = Buffer.from('not really a tarball')
    fs.writeFileSync(`${pkgDir}/linux-amd64.tgz`, tgz)
    const { createHash } = await import('node:crypto')
    fs.writeFileSync(
      `${pkgDir}/SHA512SUMS`,
      `${createHash('sha512').update(tgz).digest('hex')}  linux-amd64.tgz\n`,
    )
    await expect(
      buildImages(
        { spins: ['dev'], all: false, rebuild: false, project: packageRoot, opencodeVersion: '1.18.33' },
        d,
      ),
    ).rejects.toThrow('The image build failed (docker buildx bake exited 1).')
    const argv = docker.calls.find((c) => c.startsWith('buildx bake ')) as string
    expect(argv).toMatch(/ --load --progress plain .* base spin-dev$/)
    expect(docker.envs[docker.calls.indexOf(argv)]).toMatchObject({
      PLATFORMS: 'linux/amd64',
      AGENT_UID: '1000',
    })
  })
})
