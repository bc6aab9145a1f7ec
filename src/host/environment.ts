import { promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import { paths } from '../paths.js'
import { statIfExists } from './local-files.js'

/** What a run takes from the host: paths it may mount or copy, and the secrets it was asked to pass. */

/** See paths.ts: the one home of where things are. */
export const hostAuthFile = (env: NodeJS.ProcessEnv): string => paths(env).hostAuthFile
export const hostGhDir = (env: NodeJS.ProcessEnv): string => paths(env).hostGhDir

export async function fileMtimeSeconds(p: string): Promise<number | undefined> {
  const stat = statIfExists(p)
  return stat?.isFile() ? Math.floor(stat.mtimeMs / 1000) : undefined
}

/** The project folder: it must exist (docker would create a missing one, owned by root). */
export async function checkWorkdir(dir: string): Promise<string> {
  const absolute = path.resolve(dir)
  const stat = statIfExists(absolute)
  if (!stat) {
    throw new CaigedError(`The project folder ${absolute} does not exist.`, {
      exitCode: ExitCode.NotFound,
      hint: 'Check the path; caiged never creates it (docker would, owned by root).',
    })
  }
  if (!stat.isDirectory()) throw usageError(`${absolute} is not a folder.`)
  return absolute
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Names the container must never get from the host: caiged sets them itself. */
const RESERVED = new Set([
  'OPENCODE_SERVER_PASSWORD',
  'HOME',
  'PATH',
  'AGENT_SPIN',
  'AGENT_DAEMON',
  'AGENT_WORKDIR',
])

/** --secret-env names (repeatable, or comma-separated as the original allowed), with their host values. */
export function secretEnv(
  names: string[],
  env: NodeJS.ProcessEnv,
): { names: string[]; values: Record<string, string> } {
  const list = [
    ...new Set(
      names
        .flatMap((n) => n.split(','))
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ]
  const values: Record<string, string> = {}
  for (const name of list) {
    if (!ENV_NAME.test(name))
      throw usageError(
        `Invalid secret env name "${name}".`,
        'Names look like JFROG_TOKEN: letters, digits and "_", not starting with a digit.',
      )
    if (RESERVED.has(name))
      throw usageError(`${name} cannot be passed as a secret: caiged sets it in the container itself.`)
    const value = env[name]
    if (value === undefined)
      throw usageError(
        `The secret env ${name} is not set in this shell.`,
        `export ${name}=... first, or leave --secret-env ${name} out.`,
      )
    values[name] = value
  }
  return { names: list, values }
}

export async function checkEnvFile(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined
  const absolute = path.resolve(file)
  try {
    const stat = await fs.stat(absolute)
    if (!stat.isFile()) throw usageError(`The secret env file ${absolute} is not a file.`)
    await fs.access(absolute, fs.constants.R_OK)
  } catch (error) {
    if (error instanceof CaigedError) throw error
    throw usageError(
      `The secret env file ${absolute} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    )
  }
  return absolute
}

/** The engine's socket, for --enable-docker-sock: a unix DOCKER_HOST's path, else the default. */
export async function dockerSocket(env: NodeJS.ProcessEnv): Promise<{ path: string; gid: number }> {
  const host = env.DOCKER_HOST
  if (host && !host.startsWith('unix://')) {
    throw usageError(`--enable-docker-sock needs a local unix socket, but DOCKER_HOST is ${host}.`)
  }
  const socket = host ? host.slice('unix://'.length) : '/var/run/docker.sock'
  const stat = await fs.stat(socket).catch(() => undefined)
  if (!stat?.isSocket())
    throw new CaigedError(`There is no Docker socket at ${socket} to mount.`, { exitCode: ExitCode.NotFound })
  return { path: socket, gid: stat.gid }
}
