import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/** The files of a spin that decide its image layer; README.md and dot files stay out. */
export async function spinLayerFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  // Read at once (a warm run hashes the spin every time), kept in this order.
  const [own, skills] = await Promise.all([
    Promise.all(
      ['AGENTS.md', 'spin.yaml'].map((name) => fs.readFile(path.join(dir, name)).catch(() => undefined)),
    ),
    listFiles(path.join(dir, 'skills')).then((list) =>
      Promise.all(
        list.map(
          async (relative) => [relative, await fs.readFile(path.join(dir, 'skills', relative))] as const,
        ),
      ),
    ),
  ])
  for (const [i, name] of ['AGENTS.md', 'spin.yaml'].entries()) if (own[i]) files.set(name, own[i] as Buffer)
  for (const [relative, content] of skills) files.set(`skills/${relative}`, content)
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
  // Sub-folders listed at once; the result keeps readdir's order.
  const parts = await Promise.all(
    entries.map(async (entry): Promise<string[]> => {
      if (entry.name.startsWith('.')) return []
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), relative)
      return entry.isFile() ? [relative] : []
    }),
  )
  return parts.flat()
}
