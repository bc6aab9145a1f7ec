import fs from 'node:fs'
import path from 'node:path'
import { BIN, ManifestSchema, manPages, repoRoot as packageRoot } from './man.js'

/**
 * Writes man/*.1 and package.json's "man" list from oclif.manifest.json (run by `npm run build`,
 * after `oclif manifest` and `oclif readme`). With --check it writes nothing, lists every file
 * that is missing or out of date, and exits 1 if there is any.
 */

const manDir = path.join(packageRoot, 'man')
const packageFile = path.join(packageRoot, 'package.json')

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
}

function main(check: boolean): number {
  const pkg = JSON.parse(fs.readFileSync(packageFile, 'utf8')) as {
    version: string
    description?: string
    man?: unknown
  }
  const manifest = ManifestSchema.parse(
    JSON.parse(fs.readFileSync(path.join(packageRoot, 'oclif.manifest.json'), 'utf8')),
  )
  const pages = manPages(manifest, pkg.version, pkg.description ?? '')

  // Every file that should exist, with its content; undefined content means "should not exist".
  const wanted = new Map<string, string | undefined>()
  for (const [name, text] of pages) wanted.set(path.join(manDir, name), text)
  const existing = fs.existsSync(manDir) ? fs.readdirSync(manDir) : []
  for (const name of existing) {
    if (name.startsWith(BIN) && name.endsWith('.1') && !pages.has(name))
      wanted.set(path.join(manDir, name), undefined)
  }
  const man = [...pages.keys()].map((name) => `./man/${name}`)
  if (JSON.stringify(pkg.man) !== JSON.stringify(man)) {
    wanted.set(packageFile, JSON.stringify({ ...pkg, man }, null, 2) + '\n')
  }

  const stale = [...wanted].filter(([file, text]) => read(file) !== text)
  if (check) {
    for (const [file, text] of stale) {
      const what =
        text === undefined
          ? 'stale, not generated any more'
          : read(file) === undefined
            ? 'missing'
            : 'out of date'
      console.error(`${path.relative(packageRoot, file)}: ${what}`)
    }
    if (stale.length) console.error('Run `npm run build` to regenerate them.')
    return stale.length ? 1 : 0
  }
  fs.mkdirSync(manDir, { recursive: true })
  for (const [file, text] of stale) {
    if (text === undefined) fs.rmSync(file)
    else fs.writeFileSync(file, text)
    console.log(`${text === undefined ? 'removed' : 'wrote'} ${path.relative(packageRoot, file)}`)
  }
  return 0
}

process.exitCode = main(process.argv.includes('--check'))
