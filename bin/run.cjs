#!/usr/bin/env node
'use strict'
// The whole entry point, and the one router. dist/hot-spec.json (written at build time from
// src/cli/hot-argv.ts and the commands' own definitions: src/cli/hot-spec.ts) says what is hot:
// --version and the hot commands (run, connect, containers list) go to dist/hot.cjs, which runs
// them without oclif; everything else, and any argv the hot path does not parse exactly as oclif
// would, goes to oclif in dist/main.js. Most of what a
// hot command costs beyond Node itself is V8 compiling that file, so its compiled code is kept
// between runs as V8 code cache in the user's own cache folder (0700; a file there changes only
// what the user could change), written after the command ran: it then holds every function the
// command called, where Node's own compile cache (≥ 22.1) holds only what compiling the file
// compiled, and a warm run on Node 22 took 15 ms longer with it. oclif's many ES modules get
// Node's compile cache, where Node has it.
// Under DEBUG=caiged source maps are on and the file loads plainly, so a stack names source lines.
const fs = require('node:fs')
const Module = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

const hotFile = path.join(__dirname, '..', 'dist', 'hot.cjs')
const debug = Boolean(process.env.DEBUG && process.env.DEBUG.includes('caiged'))

function main() {
  if (debug) process.setSourceMapsEnabled(true)
  const argv = process.argv.slice(2)
  // Without the table (a broken install) everything goes to oclif.
  const hotSpec = readJson(path.join(__dirname, '..', 'dist', 'hot-spec.json'))
  const route = hotSpec && hotRoute(argv, hotSpec)
  if (!route) return loadOclif()
  const hot = debug ? require(hotFile) : requireWithCodeCache(hotFile, route.id)
  return hot.runHot(route, hotSpec).then((handled) => handled || loadOclif())
}

/**
 * Where argv goes by the table: { id: "version" } for a version flag as the first word (oclif
 * looks only there), { id, argv } for a hot command named by its first words ("containers list"),
 * with the argv after them; undefined for oclif (help, any other command, a folder as the first
 * word: the command_not_found hook).
 */
function hotRoute(argv, hotSpec) {
  if (hotSpec.versionFlags.includes(argv[0])) return { id: 'version', argv: argv.slice(1) }
  let route
  for (const [id, { words }] of Object.entries(hotSpec.commands)) {
    if (route && route.words.length >= words.length) continue
    if (words.every((word, i) => argv[i] === word)) route = { id, words }
  }
  return route && { id: route.id, argv: argv.slice(route.words.length) }
}

function loadOclif() {
  if (Module.enableCompileCache && !debug) {
    // In the user's private cache folder, not Node's default in the shared temporary folder.
    const dir = path.join(cacheDir(), 'compile-cache')
    try {
      fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 })
      Module.enableCompileCache(dir)
    } catch {
      // No cache this time (a read-only home, say).
    }
  }
  return import('../dist/main.js')
}

/** caiged's folder in the user's cache (XDG_CACHE_HOME, else ~/.cache), as src/paths.ts has it. */
function cacheDir() {
  const cacheHome = process.env.XDG_CACHE_HOME
  // HOME is what os.homedir() returns when it is set, and node:os costs ~2 ms to load.
  const home = process.env.HOME || require('node:os').homedir()
  const base = cacheHome && path.isAbsolute(cacheHome) ? cacheHome : path.join(home, '.cache')
  return path.join(base, 'caiged')
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * require(file), with V8's compiled code for it read from and written to the cache folder, one
 * cache per command (`id`: "version", "run", "containers:list", …).
 */
function requireWithCodeCache(file, id) {
  const source = fs.readFileSync(file, 'utf8')
  const stat = fs.statSync(file)
  const dir = path.join(cacheDir(), 'code-cache')
  // V8 checks the source's length, not its content: the file's identity is in the name. One file
  // per command, as each compiles its own part of the bundle (a cache holds what ran before it).
  const install = `${stat.ino}-${stat.size}-${Math.trunc(stat.mtimeMs)}`
  const command = id.replaceAll(':', '-')
  const cacheFile = path.join(dir, `${install}-${process.version}-${command}.bin`)
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData })
  const mod = new Module(file, module)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(path.dirname(file))
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  mod.loaded = true
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so the cache holds what this run compiled, the command's own functions too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
        const tmp = `${cacheFile}.${process.pid}`
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 })
        fs.renameSync(tmp, cacheFile)
        // Those of an earlier install are of no more use; another Node's are kept (nvm users
        // switch between versions, and each would otherwise recompile every time).
        for (const other of fs.readdirSync(dir)) {
          if (!other.startsWith(`${install}-`)) fs.rmSync(path.join(dir, other), { force: true })
        }
      } catch {
        // No cache this time (a read-only home, say): the next run compiles again.
      }
    })
  }
  return mod.exports
}

if (require.main === module) main()
// For test/unit/hot-parse.test.ts.
else module.exports = { hotRoute }
