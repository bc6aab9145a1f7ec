import { usageError } from '../errors.js'

export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim'

/** An image reference docker accepts; refused before it reaches a build argument or a tag. */
const IMAGE_REFERENCE =
  /^[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/

export function baseImageFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const image = flag ?? env.CAIGED_BASE_IMAGE ?? DEFAULT_BASE_IMAGE
  if (!IMAGE_REFERENCE.test(image)) {
    throw usageError(
      `"${image}" is not a valid image reference.`,
      'For example debian:bookworm-slim or registry.example/debian:12.',
    )
  }
  return image
}
