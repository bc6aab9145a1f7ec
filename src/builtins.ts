import type * as Crypto from 'node:crypto'
import { createRequire } from 'node:module'
import type * as Os from 'node:os'
import type * as Readline from 'node:readline/promises'

/**
 * Node's own modules that a warm `run` does not need, loaded on first use instead of at start:
 * loading one costs that run's main thread 2-4 ms, a few percent of it (bench/,
 * CONTRIBUTING.md's Architecture). Not `await import()`: dist/hot.cjs runs as a vm.Script, which has no loader for it.
 */
const requireBuiltin = createRequire(import.meta.url)

export const lazyCrypto = (): typeof Crypto => requireBuiltin('node:crypto') as typeof Crypto
export const lazyOs = (): typeof Os => requireBuiltin('node:os') as typeof Os
export const lazyReadline = (): typeof Readline => requireBuiltin('node:readline/promises') as typeof Readline
