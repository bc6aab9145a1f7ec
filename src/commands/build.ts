import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import {
  baseImageFlag,
  builderFlag,
  opencodeVersionFlag,
  projectFlag,
  pullFlag,
  registryFlag,
} from '../flags.js'
import { buildImages, type BuildResult } from '../flows/images.js'

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
    builder: builderFlag,
    registry: registryFlag,
    pull: pullFlag,
  }

  async run(): Promise<BuildResult> {
    const { argv, flags } = await this.parse(Build)
    return buildImages(
      {
        spins: argv as string[],
        all: flags.all,
        rebuild: flags.rebuild,
        opencodeVersion: flags['opencode-version'],
        baseImage: flags['base-image'],
        project: flags.project,
        builder: flags.builder,
        registry: flags.registry,
        pull: flags.pull,
      },
      this.deps,
    )
  }
}
