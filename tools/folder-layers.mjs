// Checks that the folders of src/ form a DAG with one written direction (`npm run cycles`, part of
// `npm test`). madge finds import cycles between files; this finds them between folders. A unit is
// a top folder of src/ (src/containers) or a file at its root (src/paths.ts). Every unit has a
// layer in LAYERS below, and an import may point only into its own unit or into a lower layer.
// Type-only imports count too: they tie two folders as much as any other import.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/** Bottom to top: the one place the direction between src/'s folders is written. */
const LAYERS = [
  {
    name: 'leaf utilities',
    units: ['errors.ts', 'text.ts', 'lazy-schema.ts', 'parsed-by.ts', 'labels.ts', 'builtins.ts'],
  },
  { name: 'base helpers', units: ['process', 'paths.ts', 'hostname.ts', 'loopback.ts'] },
  { name: 'adapters', units: ['docker', 'host', 'opencode', 'web'] },
  { name: 'adapters over the host', units: ['secrets', 'prefetched.ts'] },
  { name: 'image model (pure)', units: ['bake', 'doctor'] },
  { name: 'egress policy', units: ['egress'] },
  { name: 'spins', units: ['spins'] },
  { name: 'containers', units: ['containers'] },
  { name: 'user and project config', units: ['config'] },
  { name: 'images', units: ['images'] },
  { name: 'presentation', units: ['ui'] },
  { name: 'the dependencies a flow gets', units: ['deps.ts'] },
  { name: 'flows (use cases)', units: ['flows'] },
  { name: 'cli glue', units: ['cli', 'flags.ts'] },
  { name: 'command base', units: ['base-command.ts'] },
  { name: 'shared command bases', units: ['egress-edit-command.ts'] },
  { name: 'commands', units: ['commands'] },
  { name: 'entry points', units: ['hooks', 'main.ts', 'hot.ts'] },
]

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const src = path.join(root, 'src')
const rel = (file) => path.relative(root, file).split(path.sep).join('/')

const layerOf = new Map()
LAYERS.forEach((layer, index) => {
  for (const unit of layer.units) {
    if (layerOf.has(unit)) throw new Error(`tools/folder-layers.mjs: ${unit} is in two layers`)
    layerOf.set(unit, index)
  }
})

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : []
  })
}

/** The unit a file of src/ belongs to: its top folder, or itself at the root. */
const unitOf = (file) => path.relative(src, file).split(path.sep)[0]

/** A relative specifier as the file it names (NodeNext: `./x.js` is ./x.ts). */
function resolve(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier)
  const stem = base.replace(/\.(c|m)?js$/, '')
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    path.join(base, 'index.ts'),
  ]
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base
}

/**
 * Every module a file names: `import` (type-only too), `export ... from`, `import x = require()`,
 * `import()` and `typeof import()` types. A syntax tree, not a regex: strings and comments that
 * look like imports are not imports.
 */
function specifiers(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false)
  const found = []
  const text = (node) => (node && ts.isStringLiteralLike(node) ? [node.text] : [])
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node))
      found.push(...text(node.moduleSpecifier))
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      found.push(...text(node.moduleReference.expression))
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      found.push(...text(node.arguments[0]))
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      found.push(...text(node.argument.literal))
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const files = sourceFiles(src)
const problems = []
/** unit -> unit -> the first import seen that ties them (for the cycle report). */
const graph = new Map()
let crossing = 0
const seenUnits = new Set()

for (const file of files) {
  const from = unitOf(file)
  seenUnits.add(from)
  if (!layerOf.has(from)) {
    problems.push(`${rel(file)}: its unit ${from} has no layer in tools/folder-layers.mjs LAYERS`)
    continue
  }
  for (const specifier of specifiers(file)) {
    if (!specifier.startsWith('.')) continue
    const target = resolve(file, specifier)
    if (path.relative(src, target).startsWith('..')) continue
    const to = unitOf(target)
    if (to === from) continue
    crossing++
    if (!graph.has(from)) graph.set(from, new Map())
    if (!graph.get(from).has(to)) graph.get(from).set(to, `${rel(file)} → ${rel(target)}`)
    const a = layerOf.get(from)
    const b = layerOf.get(to)
    if (b === undefined) {
      problems.push(`${rel(file)} → ${rel(target)}: ${to} has no layer in tools/folder-layers.mjs LAYERS`)
    } else if (b >= a) {
      problems.push(
        `${rel(file)} → ${rel(target)} (${from} is layer ${a}, ${to} is layer ${b}: ` +
          `an import may point only to its own unit or a lower layer)`,
      )
    }
  }
}

for (const unit of layerOf.keys())
  if (!seenUnits.has(unit))
    problems.push(`LAYERS in tools/folder-layers.mjs names ${unit}, which src/ no longer has`)

/** Folder-level cycles: the strongly connected components of more than one unit (Tarjan). */
function cycles() {
  let next = 0
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const found = []
  const visit = (v) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) === index.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of [...seenUnits].sort()) if (!index.has(v)) visit(v)
  return found
}

/** The shortest cycle through a component's units, as the imports that close it. */
function shortestCycle(component) {
  const members = new Set(component)
  let best
  for (const start of component) {
    const before = new Map([[start, undefined]])
    const queue = [start]
    let closing
    while (queue.length && !closing) {
      const v = queue.shift()
      for (const w of graph.get(v)?.keys() ?? []) {
        if (!members.has(w)) continue
        if (w === start) {
          closing = v
          break
        }
        if (!before.has(w)) {
          before.set(w, v)
          queue.push(w)
        }
      }
    }
    if (!closing) continue
    const path = [closing]
    while (path[0] !== start) path.unshift(before.get(path[0]))
    if (!best || path.length < best.length) best = path
  }
  return best.map(
    (a, i) => `    ${a} → ${best[(i + 1) % best.length]}: ${graph.get(a).get(best[(i + 1) % best.length])}`,
  )
}

for (const component of cycles())
  problems.push(
    `folder-level cycle among ${component.join(', ')}, for one:\n${shortestCycle(component).join('\n')}`,
  )

if (problems.length) {
  console.error(`folder-layers: ${problems.length} problem${problems.length > 1 ? 's' : ''}:`)
  for (const p of problems) console.error(`  ${p}`)
  process.exit(1)
}
const edges = [...graph.values()].reduce((n, m) => n + m.size, 0)
console.log(
  `folder-layers: ${seenUnits.size} units of src/ in ${LAYERS.length} layers; ${crossing} imports ` +
    `(${edges} unit-to-unit edges) all point down; no folder-level cycle.`,
)
