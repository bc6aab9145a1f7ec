import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** The files of a spin that decide its image layer; README.md and dot files stay out. */
export async function spinLayerFiles(dir: string): Promise<Map<string, Buffer>> {
  // Read in place (host/local-files.ts says why): a warm run hashes the spin every time.
  const files = new Map<string, Buffer>()
  for (const name of ['AGENTS.md', 'spin.yaml']) {
    const content = readIfFile(path.join(dir, name))
    if (content) files.set(name, content)
  }
  for (const relative of listFiles(path.join(dir, 'skills')))
    files.set(`skills/${relative}`, fs.readFileSync(path.join(dir, 'skills', relative)))
  return files
}

function readIfFile(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
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
function listFiles(dir: string, prefix = ''): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  return entries.flatMap((entry): string[] => {
    if (entry.name.startsWith('.')) return []
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), relative)
    return entry.isFile() ? [relative] : []
  })
}
