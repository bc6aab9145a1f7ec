import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where caiged keeps its own files, following the XDG base directory spec. Pure: the environment
 * is passed in, so tests never touch the real home directory.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config')
  return path.join(base, 'caiged')
}

export function saltFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'salt')
}

/** The installed package's root: bake/, docker/ and spins/ ship inside it. */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** caiged's cache (downloaded OpenCode packages), following XDG_CACHE_HOME. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache')
  return path.join(base, 'caiged')
}
