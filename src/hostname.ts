import { lazyCrypto } from './builtins.js'

/**
 * Linux caps a hostname label at 63 bytes, and so does DNS: a container's name doubles as its
 * hostname, and an agent finds its gateway by the gateway's name.
 */
export const MAX_NAME_LENGTH = 63
const HASH_SUFFIX_LENGTH = 8

/**
 * node:crypto, loaded only for a name too long to keep whole: the warm `run` names its container
 * before it starts its first docker process, and loading crypto took longer (about 3 ms) than all
 * the rest of that.
 */
function sha256Hex(text: string): string {
  return lazyCrypto().createHash('sha256').update(text).digest('hex')
}

/**
 * `base` + `suffix` as one hostname label: whole when it fits, else `base` cut and given a hash
 * of the whole name before the suffix, so two long bases never share a name and the suffix (what
 * the name is for: `-egress`, `-net`) stays readable. Names that fit are unchanged, so containers
 * made before keep theirs.
 */
export function fitHostname(base: string, suffix = ''): string {
  const full = `${base}${suffix}`
  if (full.length <= MAX_NAME_LENGTH) return full
  const hash = sha256Hex(full).slice(0, HASH_SUFFIX_LENGTH)
  const room = MAX_NAME_LENGTH - HASH_SUFFIX_LENGTH - 1 - suffix.length
  const head = base.slice(0, room).replace(/[^a-zA-Z0-9]+$/, '')
  return `${head}-${hash}${suffix}`
}
