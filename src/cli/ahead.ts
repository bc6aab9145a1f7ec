import path from 'node:path'
import { inspectManyArgs } from '../docker/argv.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../containers/naming.js'
import { gatewayName } from '../egress/names.js'
import { gitIdentityArgs } from '../host/git.js'
import { startAhead } from '../process/spawn.js'
import type { Parsed } from './hot-parse.js'

/**
 * The two processes a warm `run` waits for (its container inspect and the host's git identity),
 * started while the flows are still loading: both read only, and the run takes their results when it
 * asks for exactly the same (same name, same folder; otherwise they are not used). Needs --spin:
 * without it the name depends on the config, read later.
 */
export function startRunLookupsAhead(parsed: Parsed, env: NodeJS.ProcessEnv): void {
  const spin = parsed.flags.spin
  if (typeof spin !== 'string') return
  try {
    const workdir = path.resolve(parsed.args.workdir ?? '.')
    const project =
      typeof parsed.flags.project === 'string' ? slugify(parsed.flags.project) : deriveProjectName(workdir)
    const name = containerName(spin, project, imagePrefix(env))
    startAhead('docker', inspectManyArgs([name, gatewayName(name)]))
    startAhead('git', gitIdentityArgs(workdir))
  } catch {
    // An invalid spin, project or prefix: the run itself says what is wrong.
  }
}

/** The one process `connect` waits for: the inspect of the agent it names and its gateway. */
export function startConnectLookupAhead(parsed: Parsed): void {
  const name = parsed.args.name
  if (name) startAhead('docker', inspectManyArgs([name, gatewayName(name)]))
}
