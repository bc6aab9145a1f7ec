import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { baseImageFlag, builderFlag, opencodeVersionFlag, platformFlag, projectFlag } from '../flags.js'
import { bakeImages } from '../flows/images.js'

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
  static override enableJsonFlag = true
  static override args = {
    target: Args.string({ description: 'base and/or spin names (default: base and every spin).' }),
  }
  static override flags = {
    print: Flags.boolean({ description: 'Print the resolved bake definition as JSON; build nothing.' }),
    push: Flags.boolean({ description: 'Push the images to --registry.', dependsOn: ['registry'] }),
    platform: platformFlag,
    registry: Flags.string({ description: 'Registry and namespace to tag (and push) for, e.g. ghcr.io/me.' }),
    tag: Flags.string({ description: 'An extra tag for every published image, e.g. latest.' }),
    'cache-from': Flags.string({
      description: 'Cache source, e.g. type=registry,ref=R or type=local,src=DIR (repeatable).',
      multiple: true,
      // One value per flag: the targets after it are never read as more cache sources.
      multipleNonGreedy: true,
    }),
    'cache-to': Flags.string({
      description: 'Cache destination, e.g. type=registry,ref=R,mode=max (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    builder: builderFlag,
    set: Flags.string({
      description: 'A raw bake override, TARGET.KEY=VALUE (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'opencode-version': opencodeVersionFlag,
    'base-image': baseImageFlag,
    project: projectFlag,
  }

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(Bake)
    const { printed, images } = await bakeImages(
      {
        targets: argv as string[],
        print: flags.print,
        push: flags.push,
        platforms: flags.platform ?? [],
        registry: flags.registry,
        tag: flags.tag,
        cacheFrom: flags['cache-from'] ?? [],
        cacheTo: flags['cache-to'] ?? [],
        builder: flags.builder,
        sets: flags.set ?? [],
        opencodeVersions: (flags['opencode-version'] ?? '')
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
        baseImage: flags['base-image'],
        project: flags.project,
      },
      this.deps,
    )
    if (printed !== undefined) {
      if (!this.jsonEnabled()) this.log(JSON.stringify(printed, null, 2))
      return printed
    }
    for (const image of images ?? [])
      this.log(`Pushed ${image.ref}@${image.digest} (${image.platforms.join(', ')})`)
    return images ? { images } : {}
  }
}
