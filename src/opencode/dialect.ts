import parse from 'semver/functions/parse.js'
import { CaigedError, ExitCode } from '../errors.js'

/**
 * What caiged relies on in OpenCode's server and client, for one major version: the one place a
 * second dialect (OpenCode 2's new server API, health route and client) would be added.
 */
export interface OpencodeDialect {
  major: number
  /** The authenticated health route (docker/caiged-health asks the same one inside the image). */
  healthPath: string
  /** The sessions of a project directory. */
  sessionsPath(directory: string): string
  /** `opencode attach` against a server, continuing a session when there is one. */
  attachArgs(url: string, directory: string, session?: string): string[]
}

export const OPENCODE_V1: OpencodeDialect = {
  major: 1,
  healthPath: '/global/health',
  sessionsPath: (directory) => `/session?directory=${encodeURIComponent(directory)}`,
  attachArgs: (url, directory, session) => [
    'attach',
    url,
    '--dir',
    directory,
    ...(session ? ['--session', session] : []),
  ],
}

const DIALECTS = [OPENCODE_V1]

/** The dialect of an OpenCode version, or undefined when caiged does not speak it (yet). */
export function dialectFor(version: string): OpencodeDialect | undefined {
  const major = parse(version)?.major
  return DIALECTS.find((d) => d.major === major)
}

/** One sentence for a host client caiged cannot work with, said before anything is built. */
export function unsupportedClientError(version: string): CaigedError {
  const supported = DIALECTS.map((d) => `${d.major}.x`).join(', ')
  return new CaigedError(
    `The OpenCode on this machine is ${version}, but caiged runs and attaches to OpenCode ${supported} servers only.`,
    {
      exitCode: ExitCode.Usage,
      hint:
        'Install a 1.x client beside it (npm i -g opencode-ai@1), or run an agent without the TUI: ' +
        '--opencode-version 1.18.33 --no-connect. OpenCode 2 support will come as a new dialect.',
    },
  )
}

/** The host client's version when caiged can use it; an unsupported one is an error. */
export function checkClientSupported(version: string | undefined): string | undefined {
  if (version !== undefined && !dialectFor(version)) throw unsupportedClientError(version)
  return version
}
