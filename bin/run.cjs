#!/usr/bin/env node
'use strict'
// The whole entry point. dist/hot.cjs runs --version and the hot commands (run, connect,
// containers list) without oclif; everything else goes to oclif in dist/main.js. Most of what a
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
// The version flags and the hot commands (tools/bundle.mjs writes it from src/cli/hot-argv.ts and
// the commands' flags): read here to name the code cache, and handed to the hot path.
const hotSpec = readJson(path.join(__dirname, '..', 'dist', 'hot-spec.json'))
const debug = Boolean(process.env.DEBUG && process.env.DEBUG.includes('caiged'))
if (debug) process.setSourceMapsEnabled(true)

function loadHot() {
  if (debug) return require(hotFile)
  return requireWithCodeCache(hotFile)
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

/** Which hot command argv asks for ("version", "run", "containers:list", …), else "other". */
function hotCommandOf([first = '', second = '']) {
  if (!hotSpec) return 'other'
  if (hotSpec.versionFlags.includes(first)) return 'version'
  const id = [`${first}:${second}`, first].find((c) => Object.hasOwn(hotSpec.commands, c))
  return id ?? 'other'
}

/** require(file), with V8's compiled code for it read from and written to the cache folder. */
function requireWithCodeCache(file) {
  const source = fs.readFileSync(file, 'utf8')
  const stat = fs.statSync(file)
  const dir = path.join(cacheDir(), 'code-cache')
  // V8 checks the source's length, not its content: the file's identity is in the name. One file
  // per command, as each compiles its own part of the bundle (a cache holds what ran before it).
  const install = `${stat.ino}-${stat.size}-${Math.trunc(stat.mtimeMs)}`
  const command = hotCommandOf(process.argv.slice(2)).replace(':', '-')
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

loadHot()
  .runHotArgv(process.argv.slice(2), hotSpec)
  .then((handled) => handled || loadOclif())
