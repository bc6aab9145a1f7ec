// The CLI users install: src/ bundled by esbuild into dist/, one ES module per entry and shared
// chunks, so Node reads a few files instead of hundreds. Entries: main.js (bin/run.js loads it;
// the hot commands run from there without oclif), commands/index.js (oclif's explicit command
// strategy) and the hook. What only a slow path needs sits behind a dynamic import, a chunk of
// its own that the hot paths never read. Source maps beside them: DEBUG=caiged turns them on.
import { build } from 'esbuild'

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

// The hot commands' flag and argument definitions, for the hot path's parser (src/cli/hot.ts).
const { hotSpecs } = await import('../dist/commands/index.js')
const fs = await import('node:fs')
fs.writeFileSync('dist/hot-spec.json', `${JSON.stringify(hotSpecs(), null, 2)}\n`)
if (process.env.CAIGED_BUNDLE_META)
  fs.writeFileSync(process.env.CAIGED_BUNDLE_META, JSON.stringify(result.metafile))
