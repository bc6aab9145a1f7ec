import fs from 'node:fs'
import path from 'node:path'

/**
 * The first executable `name` on a PATH value, as a shell would find it, skipping the folder
 * `skip` (a shim's own, so it never finds itself). Synchronous on purpose: up to two look-ups per
 * PATH entry, cheaper in place than through fs/promises (host/local-files.ts).
 */
export function findOnPath(name: string, pathValue: string, skip?: string): string | undefined {
  for (const dir of pathValue.split(path.delimiter)) {
    if (!dir || (skip !== undefined && path.resolve(dir) === path.resolve(skip))) continue
    const candidate = path.join(dir, name)
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      if (fs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}
