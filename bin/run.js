#!/usr/bin/env node
// The whole entry point. Node ≥ 22.1 keeps the bundle's compiled code between runs (Node 20 has no
// such cache and simply compiles it); source maps, which name a source line in a stack, only when
// DEBUG=caiged asks for a stack. dist/main.js runs the hot commands itself and the rest with oclif.
import module from 'node:module'

module.enableCompileCache?.()
if (process.env.DEBUG?.includes('caiged')) process.setSourceMapsEnabled(true)
await import('../dist/main.js')
