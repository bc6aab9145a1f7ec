import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Label } from '../../src/labels.js'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged, caigedBin, repoRoot } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { commandLinesDuring, e2eWorld, copySharedCache, type RunJson } from '../support/e2e-env.js'
import { opencodeVersions } from '../support/opencode-versions.mjs'
import {
  authPasswordFile,
  authRegistry,
  deleteFromRegistry,
  describeRegistry,
  multiarchBase,
  requireRegistry,
  testRegistry,
} from '../support/registry.js'

/** An OpenCode both opencode-linux-x64 and opencode-linux-arm64 have on the npm registry. */
const BOTH_ARCHS_VERSION = opencodeVersions.older

interface Published {
  target: string
  ref: string
  tags: string[]
  digest: string
  platforms: string[]
}

describeRegistry('publishing: caiged bake --push to a real registry, two platforms', () => {
  let world: ReturnType<typeof e2eWorld>
  let images: Published[]
  let gatewayImages: Published[] = []
  let bakeSeconds = 0
  const registryPath = () => `${testRegistry}/${world.prefix}`

  beforeAll(async () => {
    requireRegistry()
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
    // The egress gateway, published by name (for this machine's platform: it holds no OpenCode).
    const gateway = await caiged(
      ['bake', '--push', '--json', '--registry', registryPath(), '--base-image', multiarchBase, 'egress'],
      { env: world.env },
    )
    expect(gateway.exitCode, gateway.stderr.slice(-3000)).toBe(0)
    gatewayImages = (JSON.parse(gateway.stdout) as { images: Published[] }).images
  }, 900_000)
  afterAll(async () => {
    for (const image of [...(images ?? []), ...(gatewayImages ?? [])])
      await deleteFromRegistry(image.ref, image.digest)
    world?.cleanup()
  })

  it('prints what it published: one entry per target, tagged with the OpenCode and caiged versions', () => {
    console.log(`[caiged] two-platform bake --push of base + dev: ${bakeSeconds.toFixed(1)} s`)
    expect(images.map((i) => i.target)).toEqual(['base', 'spin-dev'])
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version
    for (const image of images) {
      const name = image.target.replace(/^spin-/, '')
      expect(image.ref).toBe(
        `${registryPath()}/${world.prefix}-${name}:oc${BOTH_ARCHS_VERSION}-caiged${version}`,
      )
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
    const out = docker([
      'run',
      '--rm',
      '--platform',
      'linux/arm64',
      dev.ref,
      'sh',
      '-c',
      'uname -m; opencode --version',
    ])
    expect(out.split('\n')).toEqual(['aarch64', BOTH_ARCHS_VERSION])
    docker(['image', 'rm', '-f', dev.ref])
  }, 120_000)

  /** A teammate's machine: the same image prefix, no caiged image in its engine, the registry set. */
  const teammate = (extraEnv: Record<string, string> = {}) => {
    const env = {
      ...world.env,
      CAIGED_IMAGE_REGISTRY: registryPath(),
      OPENCODE_VERSION: BOTH_ARCHS_VERSION,
      ...extraEnv,
    }
    const run = (project: string, args: string[] = []) =>
      caiged(['run', project, '--spin', 'dev', '--no-connect', '--json', ...args], { env })
    return { env, run }
  }

  it('run starts a healthy container from the published image: source registry, its digest recorded, no bake', async () => {
    const dev = images.find((i) => i.target === 'spin-dev') as Published
    expect(docker(['image', 'ls', '-q', `${world.prefix}`])).toBe('')
    const { run } = teammate()
    const started = Date.now()
    const { result, commandLines } = await commandLinesDuring(() => run(world.project('team')))
    console.log(`[caiged] cold run from the published image: ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(result.exitCode, result.stderr).toBe(0)
    const json = JSON.parse(result.stdout) as RunJson
    expect(json.action).toBe('created')
    expect(json.image).toEqual({ ref: dev.ref, digest: dev.digest, source: 'registry' })
    expect([...commandLines].filter((c) => /docker buildx (bake|build)/.test(c))).toEqual([])
    expect(
      docker(['inspect', '--format', '{{index .Config.Labels "io.caiged.image-digest"}}', json.name]),
    ).toBe(dev.digest)
    // Its gateway runs the published gateway image too: the same for the whole team.
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version
    expect(gatewayImages.map((i) => i.ref)).toEqual([
      `${registryPath()}/${world.prefix}-egress:caiged${version}`,
    ])
    expect(docker(['inspect', '--format', '{{.Config.Image}}', `${json.name}-egress`])).toBe(
      gatewayImages[0]?.ref,
    )
    const health = await fetch(`${json.url}/global/health`, {
      headers: { authorization: basicAuth(world.password(json.name)) },
    })
    expect(health.status).toBe(200)
    const again = await run(world.project('team'))
    expect((JSON.parse(again.stdout) as RunJson).action).toBe('reused')
    docker(['rm', '-f', json.name, `${json.name}-egress`])
  }, 300_000)

  it('build pulls the published image instead of building it', async () => {
    const dev = images.find((i) => i.target === 'spin-dev') as Published
    const { env } = teammate()
    const { result, commandLines } = await commandLinesDuring(() =>
      caiged(['build', 'dev', '--json'], { env }),
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const built = JSON.parse(result.stdout) as { images: { spin: string; action: string; ref: string }[] }
    expect(built.images).toMatchObject([{ spin: 'dev', action: 'pulled', ref: dev.ref }])
    expect([...commandLines].filter((c) => /docker buildx (bake|build)/.test(c))).toEqual([])
    docker(['image', 'rm', '-f', dev.ref])
  }, 300_000)

  it('builds only the spin layer, on the published base, saying why in one line, when the project edits the spin', async () => {
    const project = world.project('edited')
    const spinDir = path.join(project, '.caiged', 'spins', 'dev')
    fs.mkdirSync(spinDir, { recursive: true })
    fs.writeFileSync(path.join(spinDir, 'AGENTS.md'), '# A dev spin of this project\n')
    const { run } = teammate({ CAIGED_BASE_IMAGE: world.env.CAIGED_BASE_IMAGE as string })
    const result = await run(project)
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    expect(result.stdout + result.stderr).toContain(
      'Not using the published dev image: the dev spin here differs from the published one.',
    )
    const base = images.find((i) => i.target === 'base') as Published
    expect(result.stderr).toContain(`Building only the dev spin layer, on the published ${base.ref}.`)
    // The base was not built here: none of its steps ran.
    expect(result.stderr).not.toMatch(/\[base \d+\/\d+\] RUN/)
    const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as RunJson
    expect(json.image).toMatchObject({ ref: `${world.prefix}:dev`, source: 'build' })
    const labels = JSON.parse(
      docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', `${world.prefix}:dev`]),
    ) as Record<string, string>
    expect(labels[Label.baseImage]).toBe(multiarchBase)
    // Found current the next time, without a rebuild.
    const again = await run(project)
    expect(again.exitCode, again.stderr.slice(-1000)).toBe(0)
    expect(again.stderr).not.toContain('Building only')
    expect((JSON.parse(again.stdout) as RunJson).action).toBe('reused')
    docker(['rm', '-f', json.name])
  }, 600_000)

  it('a private registry: without docker login one sentence says how; after it, run pulls from it', async () => {
    const dev = images.find((i) => i.target === 'spin-dev') as Published
    const dockerConfig = path.join(world.root, 'docker-config')
    fs.mkdirSync(dockerConfig, { recursive: true })
    const env = { DOCKER_CONFIG: dockerConfig }
    const privateRef = dev.ref.replace(testRegistry, authRegistry)
    const login = () =>
      execFileSync('docker', ['login', authRegistry, '--username', 'caiged', '--password-stdin'], {
        input: fs.readFileSync(authPasswordFile),
        env: { ...process.env, ...env },
        stdio: ['pipe', 'ignore', 'pipe'],
      })
    // The published image, copied into the private registry (this platform's part).
    docker(['pull', '-q', '--platform', 'linux/amd64', dev.ref])
    docker(['tag', dev.ref, privateRef])
    login()
    docker(['push', '-q', '--platform', 'linux/amd64', privateRef], { env })
    docker(['image', 'rm', '-f', dev.ref, privateRef])
    docker(['logout', authRegistry], { env })

    const { run } = teammate({
      ...env,
      CAIGED_IMAGE_REGISTRY: registryPath().replace(testRegistry, authRegistry),
    })
    const refused = await run(world.project('private'))
    expect(refused.exitCode).toBe(3)
    const error = (JSON.parse(refused.stdout) as { error: { message: string; suggestions: string[] } }).error
    expect(error.message).toMatch(
      new RegExp(
        `^The image registry ${authRegistry.replace(/\./g, '\\.')} refuses to serve \\S+ without a login`,
      ),
    )
    expect(error.suggestions[0]).toContain(`docker login ${authRegistry}`)
    expect(docker(['ps', '-aq', '--filter', `label=io.caiged.workdir=${world.project('private')}`])).toBe('')

    login()
    const pulled = await run(world.project('private'))
    expect(pulled.exitCode, pulled.stderr).toBe(0)
    const json = JSON.parse(pulled.stdout) as RunJson
    expect(json.image).toMatchObject({ ref: privateRef, source: 'registry' })
    docker(['rm', '-f', json.name])
    docker(['image', 'rm', '-f', privateRef])
  }, 300_000)

  it('a host user whose uid is not 1000 gets a uid layer: files the agent writes are theirs', async (context) => {
    if (process.getuid?.() !== 0) {
      context.skip('needs root: it makes a host user with uid 1234 and hands it the docker socket')
    }
    const user = 'caiged-e2e-uid'
    const group = 'caiged-e2e-pubdocker'
    execFileSync('groupadd', ['-f', group])
    execFileSync('useradd', ['-m', '-u', '1234', '-G', group, user], { stdio: 'ignore' })
    const socket = fs.statSync('/var/run/docker.sock')
    try {
      execFileSync('chgrp', [group, '/var/run/docker.sock'])
      fs.chmodSync('/var/run/docker.sock', 0o660)
      const home = path.join(world.root, 'uid-home')
      const cache = path.join(world.root, 'uid-cache')
      const project = path.join(world.root, 'uid-project')
      for (const dir of [home, project]) fs.mkdirSync(dir, { recursive: true })
      copySharedCache(cache)
      for (const dir of [home, cache, project]) execFileSync('chown', ['-R', '1234:1234', dir])
      // The user may pass through the test's folder (mkdtemp made it 0700), not read it.
      fs.chmodSync(world.root, 0o711)
      const env = {
        ...teammate().env,
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_CACHE_HOME: cache,
        NO_COLOR: '1',
      }
      const started = Date.now()
      const out = execFileSync(
        'runuser',
        [
          '-u',
          user,
          '--',
          'env',
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          process.execPath,
          caigedBin,
          'run',
          project,
          '--spin',
          'dev',
          '--no-connect',
          '--json',
        ],
        { encoding: 'utf8', cwd: repoRoot },
      )
      console.log(
        `[caiged] cold run from the published image with a uid layer: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      )
      const json = JSON.parse(out) as RunJson
      expect(json.image).toMatchObject({ ref: `${world.prefix}:dev-uid1234`, source: 'registry' })
      expect(docker(['exec', json.name, 'id', '-u'])).toBe('1234')
      docker(['exec', json.name, 'sh', '-c', 'echo mine > /workspace/by-agent.txt'])
      expect(fs.statSync(path.join(project, 'by-agent.txt')).uid).toBe(1234)
      docker(['rm', '-f', json.name])
    } finally {
      fs.chownSync('/var/run/docker.sock', 0, socket.gid)
      fs.chmodSync('/var/run/docker.sock', socket.mode & 0o777)
      execFileSync('userdel', ['-r', user], { stdio: 'ignore' })
      execFileSync('groupdel', [group], { stdio: 'ignore' })
    }
  }, 300_000)

  it('round-trips a registry cache: with the build cache pruned, a bake takes its steps from the registry', async (context) => {
    // Pruning empties the engine's whole build cache: only on the engine CI started itself.
    if (!fs.existsSync('/run/docker-ci.pid')) {
      context.skip(
        'dockerd was not started by .ci/docker-engine.sh here, so its build cache is not ours to prune',
      )
    }
    const cache = `${testRegistry}/${world.prefix}-cache`
    const bake = (cacheFlag: string[]) =>
      caiged(
        [
          'bake',
          '--push',
          '--json',
          '--platform',
          'linux/amd64',
          '--registry',
          `${registryPath()}/cached`,
          '--opencode-version',
          BOTH_ARCHS_VERSION,
          '--base-image',
          multiarchBase,
          ...cacheFlag,
          'dev',
        ],
        { env: world.env },
      )
    const first = await bake(['--cache-to', `type=registry,ref=${cache},mode=max`])
    expect(first.exitCode, first.stderr.slice(-2000)).toBe(0)
    docker(['buildx', 'prune', '-af'])
    const again = await bake(['--cache-from', `type=registry,ref=${cache}`])
    expect(again.exitCode, again.stderr.slice(-2000)).toBe(0)
    const cached = again.stderr.split('\n').filter((line) => /^#\d+ CACHED$/.test(line)).length
    const runs = again.stderr.split('\n').filter((line) => /^#\d+ \[[^\]]+\] RUN /.test(line)).length
    console.log(
      `[caiged] after a prune, ${cached} build steps came from the registry cache (${runs} RUN steps)`,
    )
    expect(again.stderr).toMatch(/importing cache manifest from .*-cache/)
    expect(cached).toBeGreaterThanOrEqual(3)
    for (const image of (JSON.parse(again.stdout) as { images: Published[] }).images) {
      await deleteFromRegistry(image.ref, image.digest)
    }
  }, 600_000)

  it('publishes a version matrix in one bake: every spin and the base once per OpenCode version', async () => {
    const versions = [BOTH_ARCHS_VERSION, world.clientVersion]
    const result = await caiged(
      [
        'bake',
        '--push',
        '--json',
        '--platform',
        'linux/amd64',
        '--registry',
        `${registryPath()}/matrix`,
        '--opencode-version',
        versions.join(','),
        '--base-image',
        multiarchBase,
        'base',
        'dev',
      ],
      { env: world.env },
    )
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    const published = (JSON.parse(result.stdout) as { images: Published[] }).images
    const id = (v: string) => v.replaceAll('.', '_')
    expect(published.map((i) => i.target).sort()).toEqual(
      versions.flatMap((v) => [`base-oc${id(v)}`, `spin-dev-oc${id(v)}`]).sort(),
    )
    // One bake run: each version's base setup step ran (or was cached) exactly once, whichever
    // target's name BuildKit shows it under.
    const steps = new Map<string, Set<string>>()
    for (const m of result.stderr.matchAll(/#(\d+) \[\S+-oc(\S+) base \d+\/\d+\] RUN set -eu;\s+need=""/g)) {
      steps.set(m[2] as string, (steps.get(m[2] as string) ?? new Set()).add(m[1] as string))
    }
    expect([...steps.keys()].sort()).toEqual(versions.map(id).sort())
    for (const ids of steps.values()) expect(ids.size).toBe(1)
    for (const v of versions) {
      const dev = published.find((i) => i.target === `spin-dev-oc${id(v)}`) as Published
      expect(dev.ref).toContain(`-dev:oc${v}-caiged`)
      const config = JSON.parse(
        docker(['buildx', 'imagetools', 'inspect', dev.ref, '--format', '{{json .Image}}']),
      ) as {
        config: { Labels: Record<string, string> }
      }
      expect(config.config.Labels[Label.opencodeVersion]).toBe(v)
    }
    for (const image of published) await deleteFromRegistry(image.ref, image.digest)
  }, 600_000)
})
