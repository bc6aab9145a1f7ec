import { createHash } from 'node:crypto'

/**
 * A spin as one project builds it. A project's extra Debian packages (.caiged/config.json
 * `packages`) make an image of their own: its tag names the package set, not the project, so
 * projects asking for the same packages share it, and no project's packages reach another's
 * agent. Without extra packages the spin is itself, tag and hash unchanged.
 */
export interface SpinVariant {
  name: string
  /** The spin's content hash, with the extra packages folded in. */
  hash: string
  /** The local image tag: the spin's name, or `<spin>.pkg-<hash>` (spin names have no dots). */
  tag: string
  /** The extra packages, sorted and without repeats. */
  extraPackages: string[]
}

export function spinVariant(spin: { name: string; hash: string }, extra: string[] = []): SpinVariant {
  const extraPackages = [...new Set(extra)].sort()
  if (extraPackages.length === 0) return { ...spin, tag: spin.name, extraPackages }
  const packagesHash = createHash('sha256').update(extraPackages.join('\n')).digest('hex')
  return {
    name: spin.name,
    hash: createHash('sha256').update(`${spin.hash}\0packages\0${packagesHash}`).digest('hex'),
    tag: `${spin.name}.pkg-${packagesHash.slice(0, 12)}`,
    extraPackages,
  }
}

/** The packages a variant's image installs: the spin's own, then the project's not already there. */
export const variantPackages = (own: string[], variant: SpinVariant): string[] => [
  ...own,
  ...variant.extraPackages.filter((p) => !own.includes(p)),
]
