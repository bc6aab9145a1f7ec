import fs from 'node:fs'
import path from 'node:path'
import type { Paths } from '../paths.js'
import { usageError } from '../errors.js'

/** Folders under HOME that hold credentials or other programs' secrets: never inside a project mount. */
const CREDENTIAL_FOLDERS = [
  '.ssh',
  '.aws',
  '.gnupg',
  '.config',
  '.kube',
  '.docker',
  '.azure',
  '.netrc',
  '.password-store',
]

/** The flag that mounts such a folder anyway, knowingly. */
export const WIDE_MOUNT_FLAG = '--allow-wide-mount'

/** Whether `inner` is `outer` or inside it (both absolute, normalised). */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/**
 * Why mounting this folder read-write at /workspace would hand the agent more than a project: the
 * whole disk, the home folder (or one above it), or a folder holding caiged's own salt and config
 * or a credential folder. Undefined when it is a project folder. Pure.
 */
export function wideMountReason(
  workdir: string,
  p: Pick<Paths, 'home' | 'configDir' | 'saltFile'>,
): string | undefined {
  const dir = path.resolve(workdir)
  const home = path.resolve(p.home)
  if (dir === path.parse(dir).root) return 'it is the whole disk'
  if (within(home, dir)) return dir === home ? 'it is your home folder' : 'it holds your home folder'
  if (within(p.configDir, dir)) return `it holds caiged's config and salt (${p.configDir})`
  for (const name of CREDENTIAL_FOLDERS) {
    const credentials = path.join(home, name)
    if (within(credentials, dir) || within(dir, credentials)) return `it holds or is inside ${credentials}`
  }
  return undefined
}

/**
 * A path with every symbolic link in it (the folder and each parent) followed, as docker's bind
 * mount follows them; the path itself when it does not exist (yet).
 */
function followed(file: string): string {
  try {
    return fs.realpathSync.native(file)
  } catch {
    return path.resolve(file)
  }
}

/**
 * Refuses a workdir wider than a project, unless the user said so with --allow-wide-mount. Judged
 * on the path as given and on where it really leads: a link to the home folder, the disk or a
 * credential folder mounts that folder.
 */
export function checkMountScope(
  workdir: string,
  p: Pick<Paths, 'home' | 'configDir' | 'saltFile'>,
  allowWide: boolean,
): void {
  if (allowWide) return
  const real = followed(workdir)
  const realPaths = { home: followed(p.home), configDir: followed(p.configDir), saltFile: p.saltFile }
  const reason = wideMountReason(workdir, p) ?? wideMountReason(real, realPaths)
  if (!reason) return
  const shown = path.resolve(workdir)
  throw usageError(
    `Refusing to mount ${shown}${real !== shown ? ` (a link to ${real})` : ''} into the agent's container read-write: ${reason}.`,
    `Run caiged in a project folder, or pass ${WIDE_MOUNT_FLAG} if you really mean to give the agent all of it.`,
  )
}
