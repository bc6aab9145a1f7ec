import { execa } from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManifestSchema, displayId, manPages, pageName, type Manifest } from '../../tools/docs/man.js'
import { repoRoot } from '../support/cli.js'

const manDir = path.join(repoRoot, 'man')
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'))
const manifest = ManifestSchema.parse(readJson('oclif.manifest.json'))
const pkg = readJson('package.json') as { version: string; description: string; man?: string[] }
const visibleIds = Object.values(manifest.commands)
  .filter((c) => !c.hidden)
  .map((c) => c.id)
const commandsDir = path.join(repoRoot, 'docs', 'commands')
/** The flags `npm run build` gives `oclif readme`. */
const OCLIF_README = ['--multi', '--output-dir', 'docs/commands', '--no-source-links']
const readText = (file: string): string => fs.readFileSync(path.join(repoRoot, file), 'utf8')

/** Markdown files whose relative links must resolve: the README, CONTRIBUTING, docs/ and bench/. */
function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'bench/README.md']
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(rel)
      else if (entry.name.endsWith('.md')) files.push(rel)
    }
  }
  walk('docs')
  return files
}

/** The lines of a Markdown text outside fenced code blocks. */
function proseLines(text: string): string[] {
  let fenced = false
  return text.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) fenced = !fenced
    else if (!fenced) return true
    return false
  })
}

/** GitHub's anchors for a file's ATX headings (`## Which proxy, and why` → `which-proxy-and-why`). */
function anchors(text: string): Set<string> {
  const slugs = new Set<string>()
  for (const line of proseLines(text)) {
    const heading = /^#{1,6} (.*)$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-')
    slugs.add(slug)
  }
  return slugs
}

/** The relative link targets of a Markdown text (code spans and fenced blocks left out). */
function relativeLinks(text: string): string[] {
  const links: string[] = []
  for (const line of proseLines(text)) {
    for (const match of line.replace(/`[^`]*`/g, '').matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? ''
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target)
    }
  }
  return links
}

/** Renders a page as a reader sees it: `man -l`, or groff when man-db is missing. */
async function render(file: string): Promise<string> {
  const env = { MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat', LANG: 'C.UTF-8' }
  const man = await execa('man', ['-l', file], { env, stdin: 'ignore', reject: false })
  if (man.exitCode === 0 && man.stdout) return man.stdout
  // -P-cbu: plain text, no SGR escapes and no overstrike bold or underline.
  const groff = await execa('groff', ['-man', '-Tutf8', '-P-cbu', file], { env, stdin: 'ignore' })
  return groff.stdout
}

describe('generated man pages and command reference', () => {
  it('are current: `generate.js --check` finds nothing to regenerate', async () => {
    const result = await execa(
      process.execPath,
      [path.join(repoRoot, 'dist-tools/tools/docs/generate.js'), '--check'],
      {
        cwd: repoRoot,
        reject: false,
        stdin: 'ignore',
      },
    )
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
  })

  it('match what the pure functions give for the committed manifest', () => {
    for (const [name, text] of manPages(manifest, pkg.version, pkg.description)) {
      expect(fs.readFileSync(path.join(manDir, name), 'utf8'), name).toBe(text)
    }
  })

  it('README: the command index is what `oclif readme --multi` makes of the manifest', async () => {
    const result = await execa('npx', ['oclif', 'readme', ...OCLIF_README, '--dry-run'], {
      cwd: repoRoot,
      stdin: 'ignore',
    })
    const readme = readText('README.md')
    expect(readme).toContain('<!-- commands -->')
    expect(result.stdout.replace(/^replacing .*\n/, '').trim()).toBe(readme.trim())
  }, 60_000)

  it('docs/commands: one page per topic, each what `oclif readme --multi` writes', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-docs-'))
    try {
      fs.copyFileSync(path.join(repoRoot, 'README.md'), path.join(tmp, 'README.md'))
      // oclif joins --output-dir to the plugin directory, so it is given relative to it.
      const outputDir = path.relative(repoRoot, path.join(tmp, 'commands'))
      const args = ['oclif', 'readme', '--multi', '--no-source-links']
      args.push('--output-dir', outputDir, '--readme-path', path.join(tmp, 'README.md'))
      await execa('npx', args, { cwd: repoRoot, stdin: 'ignore' })
      const wanted = fs.readdirSync(path.join(tmp, 'commands')).sort()
      const committed = fs.readdirSync(commandsDir).sort()
      expect(committed).toEqual(wanted)
      for (const name of wanted) {
        const text = fs.readFileSync(path.join(tmp, 'commands', name), 'utf8')
        expect(fs.readFileSync(path.join(commandsDir, name), 'utf8'), name).toBe(text)
      }
      // Every command that is not hidden has its section on its topic's page.
      const pages = committed.map((name) => fs.readFileSync(path.join(commandsDir, name), 'utf8')).join('\n')
      for (const id of visibleIds) expect(pages).toContain(`## \`caiged ${displayId(id)}`)
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }, 60_000)

  it('have a page for every command that is not hidden, all listed in package.json "man"', () => {
    const files = fs.readdirSync(manDir).filter((f) => f.endsWith('.1'))
    for (const id of visibleIds) expect(files).toContain(`${pageName(id)}.1`)
    expect(files).toContain('caiged.1')
    expect(files).toHaveLength(visibleIds.length + 1)
    expect([...(pkg.man ?? [])].sort()).toEqual(files.map((f) => `./man/${f}`).sort())
  })

  it('render: caiged(1) names every command', async () => {
    const text = await render(path.join(manDir, 'caiged.1'))
    expect(text).toContain('caiged')
    for (const id of visibleIds) expect(text).toContain(`caiged ${displayId(id)}`)
    for (const section of ['SYNOPSIS', 'COMMANDS', 'ENVIRONMENT', 'FILES', 'EXIT STATUS', 'SEE ALSO']) {
      expect(text).toContain(section)
    }
    expect(text).toContain('OPENCODE_VERSION')
    expect(text).toContain('$XDG_CONFIG_HOME/caiged/salt')
  })

  it('render: caiged-run(1) shows its flags as typed', async () => {
    const text = await render(path.join(manDir, 'caiged-run.1'))
    expect(text).toContain('--spin')
    expect(text).toContain('--no-connect')
    expect(text).toContain('caiged run . --spin dev')
    expect(text).not.toContain('<%=')
  })
})

describe('README as the front door, and the documents it links to', () => {
  const readme = readText('README.md')

  it('is at most 250 lines', () => {
    expect(readme.split('\n').length - 1).toBeLessThanOrEqual(250)
  })

  it('opens with the two commands: install and run the agent, then the whole test suite', () => {
    const [title, blank, fence, first, second] = readme.split('\n')
    expect([title, blank, fence]).toEqual(['# caiged', '', '```bash'])
    const command = (line: string | undefined): string => (line ?? '').replace(/#.*$/, '').trim()
    expect(command(first)).toBe('npm ci && npm run build && npm link && caiged run . --spin dev')
    expect(command(second)).toBe('npm test')
  })

  it('links to every page of docs/, CONTRIBUTING.md and bench/README.md', () => {
    const linked = new Set(relativeLinks(readme).map((link) => path.normalize(link.split('#')[0] ?? '')))
    const pages = markdownFiles().filter((file) => file !== 'README.md')
    expect(pages.filter((file) => !linked.has(file))).toEqual([])
  })

  it('every relative link in README, CONTRIBUTING, docs/ and bench/ resolves, anchors too', () => {
    const broken: string[] = []
    for (const file of markdownFiles()) {
      const text = readText(file)
      for (const link of relativeLinks(text)) {
        const [target, anchor] = link.split('#') as [string, string | undefined]
        const resolved = target ? path.join(path.dirname(file), target) : file
        const full = path.join(repoRoot, resolved)
        if (!fs.existsSync(full)) broken.push(`${file}: ${link} (no ${resolved})`)
        else if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(full, 'utf8')).has(anchor))
          broken.push(`${file}: ${link} (no heading #${anchor} in ${resolved})`)
      }
    }
    expect(broken).toEqual([])
  })
})

describe('manPages and commandReference (pure)', () => {
  const fake: Manifest = {
    commands: {
      'topic:do-it': {
        id: 'topic:do-it',
        summary: 'Do it.',
        description: "First line.\n.dot line that roff would read as a request\n'quote line\nC:\\path\\to",
        examples: ['<%= config.bin %> <%= command.id %> --force-it X', '.hidden-looking example'],
        flags: {
          'force-it': { name: 'force-it', char: 'f', type: 'boolean', description: 'Force it.' },
          level: {
            name: 'level',
            type: 'option',
            description: 'How much.',
            options: ['low', 'high'],
            default: 'low',
            required: true,
          },
          secret: { name: 'secret', type: 'boolean', hidden: true, description: 'Not shown.' },
        },
        args: { thing: { name: 'thing', description: 'The thing.', required: true } },
      },
      hush: { id: 'hush', summary: 'Hidden.', hidden: true },
      plain: { id: 'plain', summary: 'Plain one.' },
    },
  }
  const pages = manPages(fake, '9.9.9', 'A tool.\n.Leading dot in the package description.')
  const page = pages.get('caiged-topic-do-it.1') ?? ''

  it('makes caiged.1 and one page per visible command, none for hidden ones', () => {
    expect([...pages.keys()]).toEqual(['caiged.1', 'caiged-plain.1', 'caiged-topic-do-it.1'])
  })

  it("escapes lines that start with . or ' and backslashes", () => {
    expect(page).toContain('\n\\&.dot line')
    expect(page).toContain("\n\\&'quote line")
    expect(page).toContain('C:\\epath\\eto')
    expect(page).toContain('\n\\&.hidden\\-looking example')
    expect(pages.get('caiged.1')).toContain('\n\\&.Leading dot')
    // No line other than requests starts with a dot or quote.
    const requests = /^\.(TH|SH|TP|PP|RS|RE|nf|fi|B|BR|br|nh|ad|\\")( |$)/
    for (const text of pages.values()) {
      for (const line of text.split('\n')) {
        if (line.startsWith('.')) expect(line).toMatch(requests)
        expect(line.startsWith("'")).toBe(false)
      }
    }
  })

  it('writes flags as typed, with \\- for hyphens, and leaves hidden flags out', () => {
    expect(page).toContain('\\fB\\-f\\fR, \\fB\\-\\-force\\-it\\fR')
    expect(page).toContain('\\fB\\-\\-level\\fR \\fIVALUE\\fR')
    expect(page).toContain('One of: low, high.')
    expect(page).toContain('[default: low]')
    expect(page).not.toContain('secret')
    expect(page).toContain('caiged topic do\\-it \\-\\-force\\-it X')
    expect(page).toContain('.SH SEE ALSO\n.BR caiged (1)')
  })

  it('has no date and is deterministic', () => {
    const header = page.split('\n')[0]
    expect(header).toBe('.TH CAIGED\\-TOPIC\\-DO\\-IT 1 "" "caiged 9.9.9" "caiged manual"')
    for (const text of pages.values()) expect(text).not.toMatch(/\b(19|20)\d\d-\d\d-\d\d\b/)
    expect(manPages(fake, '9.9.9', 'A tool.\n.Leading dot in the package description.')).toEqual(pages)
  })
})
