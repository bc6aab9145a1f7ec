import { promises as fs } from 'node:fs'
import path from 'node:path'
import { spinContentHash, spinLayerFiles } from './content-hash.js'
import type { Spin } from './load.js'
import { renderOpencodeConfig } from './render.js'

/**
 * Writes exactly what goes into a spin's image layer (AGENTS.md, skills/ and the rendered
 * opencode.json) into a fresh folder, the build's "spin" context, and returns the spin's content
 * hash that the image is labelled with. README.md, spin.yaml and stray files stay out of the image.
 */
export async function stageSpin(spin: Spin, into: string): Promise<{ dir: string; hash: string }> {
  const dir = path.join(into, `spin-${spin.name}`)
  const files = await spinLayerFiles(spin.dir)
  files.delete('spin.yaml')
  files.set(
    'opencode.json',
    Buffer.from(JSON.stringify(renderOpencodeConfig(spin.name, spin.manifest), null, 2) + '\n'),
  )
  for (const [relative, content] of files) {
    await fs.mkdir(path.dirname(path.join(dir, relative)), { recursive: true })
    await fs.writeFile(path.join(dir, relative), content)
  }
  return { dir, hash: await spinContentHash(spin.dir) }
}
