import { Flags } from '@oclif/core'

/** Flags several commands share: one definition, so their help and behaviour cannot drift apart. */
export const projectFlag = Flags.directory({
  description: 'Project folder whose .caiged/spins to include.',
  default: '.',
  exists: true,
})

export const opencodeVersionFlag = Flags.string({
  description:
    'OpenCode version for the images: exact, a range or "latest". Default: OPENCODE_VERSION, else your host’s.',
})

export const baseImageFlag = Flags.string({
  description: 'Base image (glibc, Debian-like). Env: CAIGED_BASE_IMAGE. Default: debian:bookworm-slim.',
})
