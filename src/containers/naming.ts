import path from 'node:path'
import { usageError } from '../errors.js'
import { fitHostname, MAX_NAME_LENGTH } from '../hostname.js'

export { MAX_NAME_LENGTH }
export const DEFAULT_PREFIX = 'caiged'
const PREFIX_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/

/**
 * The project name of a working directory: its last two path segments joined by "-"
 * (`/a/b` → `a-b`, `/one/two/three` → `two-three`), the only segment when there is one, and
 * `workspace` for `/`. Identical to the original, so existing containers keep their names.
 */
export function deriveProjectName(absoluteWorkdir: string): string {
  const segments = path.posix.normalize(absoluteWorkdir).split('/').filter(Boolean)
  if (segments.length === 0) return 'workspace'
  return segments.slice(-2).join('-')
}

/**
 * The original's slug rules, kept exactly: lower-case; spaces become "-"; every character other
 * than [a-z0-9_.-] becomes one "-" (runs are not collapsed); anything but [a-z0-9] is trimmed from
 * both ends; an empty result is `workspace`.
 */
export function slugify(value: string): string {
  let out = ''
  for (const ch of value.toLowerCase().replaceAll(' ', '-')) {
    out += /^[a-z0-9_.-]$/.test(ch) ? ch : '-'
  }
  out = out.replace(/^[^a-z0-9]+/, '').replace(/[^a-z0-9]+$/, '')
  return out === '' ? 'workspace' : out
}

/** IMAGE_PREFIX, validated: it names images and prefixes container names, so it must suit both. */
export function imagePrefix(env: NodeJS.ProcessEnv): string {
  const prefix = env.IMAGE_PREFIX?.trim() || DEFAULT_PREFIX
  if (prefix.length > 30 || !PREFIX_PATTERN.test(prefix)) {
    throw usageError(
      `IMAGE_PREFIX "${prefix}" is not a valid name prefix.`,
      'Use lower-case letters, digits and single ".", "_" or "-" between them, at most 30 characters (default: caiged).',
    )
  }
  return prefix
}

/**
 * `<prefix>-<slug(spin-project)>`, as the original named containers. A name longer than a hostname
 * allows is cut and given a hash of the full name, so two long paths never share a name and
 * `docker run --hostname` never fails.
 */
export function containerName(spin: string, project: string, prefix: string = DEFAULT_PREFIX): string {
  return fitHostname(`${prefix}-${slugify(`${spin}-${project}`)}`)
}
