import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/** The files of a spin that decide its image layer; README.md and dot files stay out. */
export async function spinLayerFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const name of ['AGENTS.md', 'spin.yaml']) {
    const content = await fs.readFile(path.join(dir, name)).catch(() => undefined)
    if (content) files.set(name, content)
  }
  for (const relative of await listFiles(path.join(dir, 'skills'))) {
    files.set(`skills/${relative}`, await fs.readFile(path.join(dir, 'skills', relative)))
  }
  return files
}

/**
 * A spin's content hash, over the raw files its image layer is made from. It labels the image, so
 * an unchanged spin is recognised without parsing it (a spin is validated when its image is built;
 * how caiged renders it is covered by the caiged version label).
 */
export async function spinContentHash(dir: string): Promise<string> {
  const hash = createHash('sha256')
  const files = await spinLayerFiles(dir)
  for (const relative of [...files.keys()].sort()) {
    hash
      .update(relative)
      .update('\0')
      .update(files.get(relative) as Buffer)
      .update('\0')
  }
  return hash.digest('hex')
}

/** Regular files below dir, relative with "/" separators; links and dot files are left out. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [])
  const out: string[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), relative)))
    else if (entry.isFile()) out.push(relative)
  }
  return out
}
