// The CLI users install, bundled by esbuild from src/ into dist/:
//
// - hot.cjs: what bin/run.cjs loads for what dist/hot-spec.json (below) says is hot, one CommonJS
//   file, so that Node needs no ES module loader for it and bin/run.cjs can keep V8's compiled code
//   between runs on Node 20 (Node ≥ 22 does that itself). It runs --version and the hot commands
//   (run, connect, containers list), and holds no oclif.
// - main.js and chunks: oclif and every command, ES modules in shared chunks, which oclif reads
//   through its explicit command strategy (commands/index.js) and the hook.
//
// What only a slow path needs sits behind a dynamic import. Source maps beside each file:
// DEBUG=caiged turns them on.
import { build } from 'esbuild'
import fs from 'node:fs'

const result = await build({
  entryPoints: {
    main: 'src/main.ts',
    'commands/index': 'src/commands/index.ts',
    'hooks/command-not-found': 'src/hooks/command-not-found.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunks/[name]-[hash]',
  // oclif reads typescript only to run a plugin from its sources, which an installed caiged never does.
  external: ['typescript'],
  // Bundled CommonJS (oclif, semver) still calls require for Node's own modules.
  banner: {
    js: "import { createRequire as __caigedRequire } from 'node:module'; const require = __caigedRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: Boolean(process.env.CAIGED_BUNDLE_META),
})

await build({
  entryPoints: { hot: 'src/hot.ts' },
  // Smaller to read and hand to V8 on every run (about 4 ms of a warm run); the source map still
  // names source lines, and names are kept for errors and classes.
  minify: true,
  keepNames: true,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  external: ['typescript'],
  // paths.ts finds the package from its own location, and builtins.ts requires from it.
  define: { 'import.meta.url': '__caigedFileUrl' },
  banner: { js: "const __caigedFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  metafile: true,
}).then((hot) => {
  const inputs = Object.keys(hot.metafile.inputs)
  // The hot path must never load oclif (it would cost what the hot path saves).
  const oclif = inputs.filter((i) => i.includes('@oclif/'))
  if (oclif.length)
    throw new Error(`dist/hot.cjs must not hold oclif, but holds ${oclif.slice(0, 3).join(', ')}`)
  const code = fs.readFileSync('dist/hot.cjs', 'utf8')
  // Its GETs go over node:net (src/opencode/http-get.ts): node:http would cost a warm run ~7 ms.
  const http = code.match(/require\("node:https?"\)/g)
  if (http) throw new Error(`dist/hot.cjs must not load node:http, but does: ${http.join(', ')}`)
  // bin/run.cjs runs it as a vm.Script, which has no loader for import(): every import must have
  // become a require.
  const dynamic = code.match(/\bimport\(["'][^"']+["']\)/g)
  if (dynamic) throw new Error(`dist/hot.cjs must not import() at run time, but does: ${dynamic.join(', ')}`)
})

// The one table of what is hot (src/cli/hot-spec.ts): the version flags, and each hot command's
// words and flag and argument definitions. bin/run.cjs routes argv by it and hands it to the hot
// path's parser (src/hot.ts); a command missing from it goes to oclif.
const { hotSpecs } = await import('../dist/commands/index.js')

fs.writeFileSync('dist/hot-spec.json', `${JSON.stringify(hotSpecs(), null, 2)}\n`)
if (process.env.CAIGED_BUNDLE_META)
  fs.writeFileSync(process.env.CAIGED_BUNDLE_META, JSON.stringify(result.metafile))
