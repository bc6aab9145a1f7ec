import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Spin } from './load.js'
import { renderOpencodeConfig } from './render.js'

/**
 * Writes exactly what goes into a spin's image layer (AGENTS.md, skills/ and the rendered
 * opencode.json) into a fresh folder, the build's "spin" context, and returns the content hash that
 * the image is labelled with. README.md, spin.yaml and stray files stay out of the image.
 */
export async function stageSpin(spin: Spin, into: string): Promise<{ dir: string; hash: string }> {
  const dir = path.join(into, `spin-${spin.name}`)
  await fs.mkdir(dir, { recursive: true })
  const files = new Map<string, Buffer>()
  files.set('AGENTS.md', Buffer.from(spin.agentsMd))
  files.set(
    'opencode.json',
    Buffer.from(JSON.stringify(renderOpencodeConfig(spin.name, spin.manifest), null, 2) + '\n'),
  )
  for (const skill of spin.skills) {
    for (const relative of await listFiles(path.join(spin.dir, 'skills', skill.name))) {
      files.set(
        path.posix.join('skills', skill.name, relative),
        await fs.readFile(path.join(spin.dir, 'skills', skill.name, relative)),
      )
    }
  }
  const hash = createHash('sha256')
  for (const [relative, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await fs.mkdir(path.dirname(path.join(dir, relative)), { recursive: true })
    await fs.writeFile(path.join(dir, relative), content)
    hash.update(relative).update('\0').update(content).update('\0')
  }
  hash.update(`packages:${(spin.manifest.packages ?? []).join(' ')}`)
  return { dir, hash: hash.digest('hex') }
}

/** Regular files below dir, relative and with "/" separators; links and dot files are left out. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), relative)))
    else if (entry.isFile()) out.push(relative)
  }
  return out
}
