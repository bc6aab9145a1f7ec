import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode } from '../errors.js'
import { readTextIfExists } from '../host/local-files.js'
import { saltProblem } from './password.js'

/**
 * Reads the salt, creating it on first use. Creation is atomic and exclusive: the salt is written
 * to a private temporary file and then hard-linked into place, which fails if another process got
 * there first. So two first runs at once end with one salt, and no reader ever sees a half-written
 * file.
 */
export async function loadOrCreateSalt(file: string): Promise<string> {
  const existing = await readSalt(file)
  if (existing !== undefined) return existing

  const dir = path.dirname(file)
  await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  // mkdir's mode does not apply to a directory that already existed (the original made it 0755).
  await fs.chmod(dir, 0o700)
  const tmp = path.join(dir, `.salt.${process.pid}.${randomBytes(4).toString('hex')}`)
  await fs.writeFile(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
  try {
    await fs.link(tmp, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await fs.rm(tmp, { force: true })
  }
  const created = await readSalt(file)
  if (created === undefined) throw new CaigedError(`Could not create the salt file ${file}.`)
  return created
}

/** The salt in the file, undefined when there is no file; a corrupt file is an error, never ignored. */
export async function readSalt(file: string): Promise<string | undefined> {
  let content: string | undefined
  try {
    content = readTextIfExists(file)
  } catch (error) {
    throw new CaigedError(`Cannot read the salt file ${file}: ${(error as Error).message}.`, {
      exitCode: ExitCode.Config,
    })
  }
  if (content === undefined) return undefined
  const problem = saltProblem(content)
  if (problem !== undefined) {
    throw new CaigedError(`The salt file ${file} is corrupt: ${problem}.`, {
      exitCode: ExitCode.Config,
      hint:
        'Restore it from a backup to keep access to existing containers, or delete it to make a new one ' +
        '(containers made with the old salt must then be recreated: caiged containers rm NAME).',
    })
  }
  return content.trim()
}
