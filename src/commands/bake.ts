import { Args, Flags } from '@oclif/core'
import fs from 'node:fs/promises'
import path from 'node:path'
import { bakeArgs, BakePrintSchema, localCacheDir } from '../bake/bake-args.js'
import { bakeVariables, renderSpinsHcl, spinTarget } from '../bake/plan.js'
import { baseImageFlag, opencodeVersionFlag, projectFlag } from '../flags.js'
import { BaseCommand } from '../base-command.js'
import { imagePrefix } from '../containers/naming.js'
import { Docker } from '../docker/index.js'
import { parseDockerJson } from '../docker/parse.js'
import { CaigedError, usageError } from '../errors.js'
import { ImageBuilder } from '../images/image-builder.js'
import { baseImageFrom, opencodeVersionFor } from '../images/options.js'
import { NpmRegistry } from '../opencode/npm-registry.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { cacheDir, packageRoot } from '../paths.js'
import { listSpins, spinRoots } from '../spins/discovery.js'
import { loadSpin } from '../spins/load.js'

const PLATFORM = /^linux\/(amd64|arm64)$/
const REGISTRY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

export default class Bake extends BaseCommand {
  static override summary =
    'Build (and publish) images with docker buildx bake, for CI: multi-platform, registry, cache.'
  static override description =
    'Runs bake/docker-bake.hcl plus a generated target per spin. Published images are tagged ' +
    '<registry>/<prefix>-<spin>:oc<OpenCode version>-caiged<caiged version> and :oc<OpenCode version> ' +
    '(plus --tag). --builder sends the build to another BuildKit (docker-container, remote or ' +
    'Kubernetes drivers). --print shows the resolved bake JSON and builds nothing.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --print --platform linux/amd64,linux/arm64 --registry ghcr.io/me',
    '<%= config.bin %> <%= command.id %> --push --platform linux/amd64,linux/arm64 --registry ghcr.io/me --tag latest \\\n    --cache-from type=registry,ref=ghcr.io/me/caiged-cache --cache-to type=registry,ref=ghcr.io/me/caiged-cache,mode=max',
    '<%= config.bin %> <%= command.id %> dev base --builder my-k8s-builder',
  ]
  static override strict = false
  static override args = {
    target: Args.string({ description: 'base and/or spin names (default: base and every spin).' }),
  }
  static override flags = {
    print: Flags.boolean({ description: 'Print the resolved bake definition as JSON; build nothing.' }),
    push: Flags.boolean({ description: 'Push the images to --registry.' }),
    platform: Flags.string({ description: 'Platforms, comma-separated: linux/amd64, linux/arm64.' }),
    registry: Flags.string({ description: 'Registry and namespace to tag (and push) for, e.g. ghcr.io/me.' }),
    tag: Flags.string({ description: 'An extra tag for every published image, e.g. latest.' }),
    'cache-from': Flags.string({
      description: 'Cache source, e.g. type=registry,ref=R or type=local,src=DIR.',
      multiple: true,
    }),
    'cache-to': Flags.string({
      description: 'Cache destination, e.g. type=registry,ref=R,mode=max.',
      multiple: true,
    }),
    builder: Flags.string({ description: 'The buildx builder to use (docker buildx ls).' }),
    set: Flags.string({ description: 'A raw bake override, TARGET.KEY=VALUE (repeatable).', multiple: true }),
    'opencode-version': opencodeVersionFlag,
    'base-image': baseImageFlag,
    project: projectFlag,
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Bake)
    const platforms = flags.platform ? flags.platform.split(',').map((p) => p.trim()) : []
    for (const p of platforms)
      if (!PLATFORM.test(p))
        throw usageError(`Unsupported platform "${p}".`, 'Use linux/amd64 and/or linux/arm64.')
    if (flags.registry && !REGISTRY.test(flags.registry)) {
      throw usageError(
        `"${flags.registry}" is not a registry path.`,
        'For example ghcr.io/me or registry.example:5000/team.',
      )
    }
    if (flags.tag && !TAG.test(flags.tag)) throw usageError(`"${flags.tag}" is not a valid image tag.`)
    if (flags.push && !flags.registry)
      throw usageError('--push needs --registry: caiged never pushes local names.')
    for (const s of flags.set ?? [])
      if (!/^[^=\s]+=/.test(s)) throw usageError(`--set "${s}" is not TARGET.KEY=VALUE.`)

    const requested = argv as string[]
    const includeBase = requested.length === 0 || requested.includes('base')
    const spinNames = requested.length
      ? requested.filter((t) => t !== 'base').map((t) => t.replace(/^spin-/, ''))
      : (await listSpins(spinRoots(flags.project))).map((s) => s.name)
    const spins = []
    for (const name of spinNames) spins.push(await loadSpin(name, flags.project))

    const docker = new Docker()
    const registry = new NpmRegistry()
    const packages = new OpencodePackageCache(cacheDir(), registry, await hostHasAvx2())
    const { version } = await opencodeVersionFor(flags['opencode-version'], registry)
    const builder = new ImageBuilder(docker, packages)
    const prepared = await builder.prepare(spins, {
      opencodeVersion: version,
      imagePrefix: imagePrefix(),
      baseImage: baseImageFrom(flags['base-image']),
      uid: 1000,
      gid: 1000,
    })
    try {
      const hclFile = path.join(prepared.workDir, 'spins.hcl')
      await fs.writeFile(hclFile, renderSpinsHcl(prepared.plan.spins))
      const archs = (
        platforms.length ? platforms : [`linux/${(await docker.system.version()).Server.Arch ?? 'amd64'}`]
      ).map((p) => p.split('/')[1] as string)
      // --print builds nothing, so it downloads nothing either.
      const pkgDir = flags.print ? packages.dirFor(version) : await packages.ensure(version, archs)
      const cacheDirs = [...(flags['cache-from'] ?? []), ...(flags['cache-to'] ?? [])]
        .map(localCacheDir)
        .filter((d): d is string => d !== undefined)
        .map((d) => path.resolve(d))
      const cacheTargets = ['base', ...prepared.plan.spins.map((s) => spinTarget(s.name))]
      // Each target gets its own sub-folder (see cacheForTarget); they must exist to be granted.
      for (const dir of cacheDirs)
        for (const t of cacheTargets) await fs.mkdir(path.join(dir, t), { recursive: true })

      const args = bakeArgs({
        files: [path.join('bake', 'docker-bake.hcl'), hclFile],
        targets: [...(includeBase ? ['base'] : []), ...prepared.plan.spins.map((s) => spinTarget(s.name))],
        buildxVersion: await docker.buildx.version(),
        builder: flags.builder,
        print: flags.print,
        push: flags.push,
        load: !flags.print && !flags.push,
        progress: 'plain',
        cacheFrom: flags['cache-from'],
        cacheTo: flags['cache-to'],
        cacheTargets,
        sets: flags.set,
        readDirs: [prepared.workDir, pkgDir],
        readWriteDirs: cacheDirs,
      })
      const env = {
        ...bakeVariables(prepared.plan, pkgDir, platforms),
        REGISTRY: flags.registry ?? '',
        TAG: flags.tag ?? '',
      }
      const result = await docker.buildx.bake(args, {
        env,
        cwd: packageRoot,
        onLine: flags.print ? undefined : (line) => this.logToStderr(line),
      })
      if (result.exitCode !== 0) {
        throw new CaigedError(`docker buildx bake failed (exit ${result.exitCode}).`, {
          hint: result.stderr.split('\n').filter(Boolean).slice(-5).join('\n'),
        })
      }
      if (flags.print) {
        const definition = parseDockerJson(BakePrintSchema, result.stdout, 'docker buildx bake --print')
        this.log(JSON.stringify(JSON.parse(result.stdout), null, 2))
        if (Object.keys(definition.target).length === 0)
          throw new CaigedError('bake --print resolved no targets.')
      }
    } finally {
      prepared.dispose()
    }
  }
}
