import { Args, Flags } from '@oclif/core'
import { baseImageFlag, opencodeVersionFlag, projectFlag } from '../flags.js'
import { BaseCommand } from '../base-command.js'
import { imagePrefix } from '../containers/naming.js'
import { Docker } from '../docker/index.js'
import { usageError } from '../errors.js'
import { ImageBuilder, type ImageStatus, type PreparedPlan } from '../images/image-builder.js'
import { baseImageFrom, opencodeVersionFor } from '../images/options.js'
import { NpmRegistry } from '../opencode/npm-registry.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { cacheDir } from '../paths.js'
import { listSpins, spinRoots } from '../spins/discovery.js'
import { loadSpin, type Spin } from '../spins/load.js'
import { taskList } from '../ui/tasks.js'

interface BuildResult {
  opencodeVersion: string
  images: (ImageStatus & { action: 'built' | 'up to date' })[]
}

export default class Build extends BaseCommand {
  static override summary = 'Build spin images into the local Docker engine, only those that are stale.'
  static override description =
    'Each spin image is the shared base (Debian, git, ripgrep, OpenCode at an exact version, a non-root ' +
    'user) plus the spin’s own layer (AGENTS.md, skills, opencode.json, packages). An image is rebuilt ' +
    'when anything that decides its content changed: the spin’s files, the OpenCode version, the image ' +
    'assets, caiged’s version, the base image or the user id. The OpenCode version is --opencode-version, ' +
    'else OPENCODE_VERSION, else your host’s `opencode --version`, else the npm registry’s latest.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> dev',
    '<%= config.bin %> <%= command.id %> --all',
    '<%= config.bin %> <%= command.id %> qa --rebuild --opencode-version 1.18.33',
    'CAIGED_BASE_IMAGE=local/debian:bookworm <%= config.bin %> <%= command.id %> --all',
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    spin: Args.string({ description: 'Spins to build (dev, qa, security, or your own).' }),
  }
  static override flags = {
    all: Flags.boolean({ description: 'Build every spin caiged finds (see caiged spins list).' }),
    rebuild: Flags.boolean({
      description: 'Build even images that are up to date (the layer cache is still used).',
    }),
    'opencode-version': opencodeVersionFlag,
    'base-image': baseImageFlag,
    project: projectFlag,
  }

  async run(): Promise<BuildResult> {
    const { argv, flags } = await this.parse(Build)
    const names = argv as string[]
    if (names.length > 0 && flags.all) throw usageError('Name spins or use --all, not both.')
    if (names.length === 0 && !flags.all) {
      throw usageError(
        'Which spins? Name them (caiged build dev qa) or use --all.',
        'caiged spins list shows them.',
      )
    }
    const prefix = imagePrefix()
    const baseImage = baseImageFrom(flags['base-image'])
    const wanted = flags.all ? (await listSpins(spinRoots(flags.project))).map((s) => s.name) : names
    // Every spin is checked before anything is built: one bad spin builds nothing.
    const spins: Spin[] = []
    for (const name of wanted) spins.push(await loadSpin(name, flags.project))

    const docker = new Docker()
    const registry = new NpmRegistry()
    const builder = new ImageBuilder(
      docker,
      new OpencodePackageCache(cacheDir(), registry, await hostHasAvx2()),
    )
    const ctx: { prepared?: PreparedPlan; statuses: ImageStatus[]; version: string } = {
      statuses: [],
      version: '',
    }

    try {
      await taskList<typeof ctx>(
        [
          {
            title: 'Resolve the OpenCode version',
            task: async (c, task) => {
              const { version, source } = await opencodeVersionFor(flags['opencode-version'], registry)
              c.version = version
              task.title = `OpenCode ${version} (from ${source})`
            },
          },
          {
            title: 'Compare images with the spins',
            task: async (c, task) => {
              c.prepared = await builder.prepare(spins, {
                opencodeVersion: c.version,
                imagePrefix: prefix,
                baseImage,
                uid: process.getuid?.() ?? 1000,
                gid: process.getgid?.() ?? 1000,
              })
              c.statuses = await builder.status(c.prepared.plan)
              if (flags.rebuild)
                for (const s of c.statuses) if (s.reasons.length === 0) s.reasons.push('--rebuild')
              const stale = c.statuses.filter((s) => s.reasons.length > 0)
              task.title = stale.length
                ? `To build: ${stale.map((s) => `${s.image} (${s.reasons.join('; ')})`).join(', ')}`
                : `Up to date: ${c.statuses.map((s) => s.image).join(', ')}`
            },
          },
          {
            title: 'Build images',
            enabled: (c) => c.statuses.some((s) => s.reasons.length > 0),
            rendererOptions: { outputBar: 8, persistentOutput: false },
            task: async (c, task) => {
              const stale = c.statuses.filter((s) => s.reasons.length > 0).map((s) => s.spin)
              task.title = `Build base + ${stale.join(', ')} (docker buildx bake)`
              if (!c.prepared) throw new Error('the plan was not prepared')
              await builder.build(c.prepared, stale, (line) => {
                task.output = line
              })
              task.title = `Built ${c.statuses
                .filter((s) => stale.includes(s.spin))
                .map((s) => s.image)
                .join(', ')}`
            },
          },
        ],
        { json: this.jsonEnabled() },
      ).run(ctx)
    } finally {
      ctx.prepared?.dispose()
    }

    const images = ctx.statuses.map((s) => ({
      ...s,
      action: s.reasons.length ? ('built' as const) : ('up to date' as const),
    }))
    return { opencodeVersion: ctx.version, images }
  }
}
