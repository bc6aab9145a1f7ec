import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode } from '../errors.js'
import { readTextIfExists } from '../host/local-files.js'
import { paths } from '../paths.js'
import type { z } from 'zod/v3'
import { UserConfigSchema, configProblems, type UserConfig } from './schema.js'

export function configFile(env: NodeJS.ProcessEnv): string {
  return paths(env).configFile
}

/** The user's config; an absent file is an empty config, an invalid one a precise error. */
export async function loadUserConfig(file: string): Promise<UserConfig> {
  return (
    (await readConfigFile(
      file,
      UserConfigSchema,
      'caiged config list shows what it holds; caiged config set KEY VALUE writes valid values.',
    )) ?? {}
  )
}

/**
 * A strict JSON config file: undefined when there is none; unreadable, not JSON or invalid is one
 * sentence naming the file and each field that is wrong.
 */
export async function readConfigFile<T>(
  file: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  hint: string,
): Promise<T | undefined> {
  let text: string | undefined
  try {
    text = readTextIfExists(file)
  } catch (error) {
    throw new CaigedError(`Cannot read ${file}: ${(error as Error).message}`, { exitCode: ExitCode.Config })
  }
  if (text === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CaigedError(`${file} is not valid JSON: ${(error as Error).message}.`, {
      exitCode: ExitCode.Config,
    })
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    throw new CaigedError(`${file} is invalid: ${configProblems(parsed.error).join('; ')}.`, {
      exitCode: ExitCode.Config,
      hint,
    })
  }
  return parsed.data
}

/** Writes a validated config atomically (a crash never leaves half a file). */
export async function saveUserConfig(config: UserConfig, file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
  await fs.rename(tmp, file)
}
