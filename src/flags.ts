import { Flags } from '@oclif/core'
import { promises as fs } from 'node:fs'
import { usageError } from './errors.js'

/** Flags several commands share: one definition, so their help and behaviour cannot drift apart. */
export const projectFlag = Flags.string({
  description: 'Project folder whose .caiged/spins to include.',
  default: '.',
  // A flag's parse throws caiged's own usage error: one sentence and a hint, exit 2.
  parse: async (dir) => {
    const stat = await fs.stat(dir).catch(() => undefined)
    if (!stat?.isDirectory())
      throw usageError(`Invalid --project: No directory found at ${dir}`, 'Give a project folder.')
    return dir
  },
})

/** linux/amd64 and linux/arm64: the platforms OpenCode ships Linux builds for. */
export const platformFlag = Flags.string({
  description: 'Platforms, comma-separated or repeated: linux/amd64, linux/arm64.',
  multiple: true,
  multipleNonGreedy: true,
  delimiter: ',',
  parse: async (value) => {
    const platform = value.trim()
    if (!/^linux\/(amd64|arm64)$/.test(platform))
      throw usageError(`Unsupported platform "${platform}".`, 'Use linux/amd64 and/or linux/arm64.')
    return platform
  },
})

export const opencodeVersionFlag = Flags.string({
  description:
    'OpenCode version for the images: exact, a range or "latest". Default: OPENCODE_VERSION, else your host’s.',
})

export const baseImageFlag = Flags.string({
  description: 'Base image (glibc, Debian-like). Env: CAIGED_BASE_IMAGE. Default: debian:bookworm-slim.',
})

/** Where CI publishes images: run and build pull from there when an image matches. */
export const registryFlag = Flags.string({
  description:
    'Registry/namespace CI publishes caiged images to (e.g. ghcr.io/me). Env: CAIGED_IMAGE_REGISTRY. Config: images.registry.',
})

export const pullFlag = Flags.option({
  options: ['missing', 'always', 'never'] as const,
  description:
    'When to pull a published image: missing (no current local image; the default), always (check the registry every time) or never.',
})()

/** The BuildKit builder (docker buildx ls); BUILDX_BUILDER works too, as for buildx itself. */
export const builderFlag = Flags.string({
  description: 'The buildx builder to build with (docker buildx ls).',
})
