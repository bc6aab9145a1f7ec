import { checkClientServerVersions } from '../opencode/compat.js'
import { attach, missingClientError } from '../opencode/host-client.js'
import { latestSession } from '../opencode/server-api.js'
import { ContainerPath } from './run-spec.js'

/**
 * Attaches the host TUI to a ready server: version check first, then the latest session of
 * /workspace continued. Returns the client's exit code.
 */
export async function connectTui(options: {
  name: string
  port: number
  password: string
  serverVersion: string
  hostVersion: string | undefined
  warn: (message: string) => void
  log: (message: string) => void
}): Promise<number> {
  if (!options.hostVersion) throw missingClientError()
  const warning = checkClientServerVersions(options.hostVersion, options.serverVersion, options.name)
  if (warning) options.warn(warning)
  const url = `http://127.0.0.1:${options.port}`
  const session = await latestSession(url, options.password, ContainerPath.workspace)
  if (session) options.log(`Continuing session ${session}`)
  return attach(url, { password: options.password, directory: ContainerPath.workspace, session })
}
