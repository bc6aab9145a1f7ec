/**
 * The labels that make a container caiged's. Identity and filtering go by these, never by a name
 * prefix, so an unrelated container called caiged-something is never touched.
 */
export const Label = {
  managed: 'io.caiged.managed',
  spin: 'io.caiged.spin',
  project: 'io.caiged.project',
  workdir: 'io.caiged.workdir',
  port: 'io.caiged.port',
  opencodeVersion: 'io.caiged.opencode-version',
  /** The plan its image was built from: equal means the container runs an up-to-date image. */
  imageFingerprint: 'io.caiged.image-fingerprint',
  /** The original's port label, kept so its tools and habits keep working. */
  legacyPort: 'opencode.port',
} as const

export const MANAGED_FILTER = { [Label.managed]: 'true' } as const
