import { CaigedError, ExitCode } from '../errors.js'
import { derivePassword } from './password.js'
import { loadOrCreateSalt, readSalt } from './salt.js'

/**
 * The one salt policy. Every password derives from the salt, so a salt is made only when nothing
 * can depend on it yet: by `run`, for a container that does not exist. Everywhere else a missing
 * salt is this one error (a new salt would silently lock the user out of their containers).
 */
export async function sessionPassword(
  name: string,
  saltFile: string,
  options: { mayCreateSalt: boolean },
): Promise<string> {
  return derivePassword(name, await sessionSalt(saltFile, options))
}

export async function sessionSalt(saltFile: string, options: { mayCreateSalt: boolean }): Promise<string> {
  if (options.mayCreateSalt) return loadOrCreateSalt(saltFile)
  const salt = await readSalt(saltFile)
  if (salt === undefined) throw missingSaltError(saltFile)
  return salt
}

export function missingSaltError(saltFile: string): CaigedError {
  return new CaigedError(
    `The salt file ${saltFile} is missing, but the container's password comes from it.`,
    {
      exitCode: ExitCode.Config,
      hint:
        'Restore the file from a backup to reach them again. Or remove a container (caiged containers rm NAME; ' +
        'its sessions volume is kept) and run it again: a new salt is then made.',
    },
  )
}
