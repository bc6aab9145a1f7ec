import fs from 'node:fs'

/**
 * Small local files and folders, read where they are asked for. A warm `caiged run` reads about
 * twenty (configs, the spin, the salt, the client on PATH); through fs/promises each one costs
 * thread-pool round trips (a readFile opens a FileHandle, stats, reads and closes) and event-loop
 * turns behind whatever else is queued, about 10 ms on that path in all, where reading them in place
 * takes microseconds. Only for small files on this machine; large or slow ones stay asynchronous.
 */

/** The file's text; undefined when there is no such file; any other failure is thrown. */
export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** What stat says (following links); undefined when there is nothing there or it cannot be seen. */
export function statIfExists(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

export const isDirectory = (p: string): boolean => statIfExists(p)?.isDirectory() ?? false
