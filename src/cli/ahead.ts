import path from 'node:path'
import { inspectManyArgs } from '../docker/argv.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../containers/naming.js'
import { gatewayName } from '../egress/names.js'
import { gitIdentityArgs } from '../host/git.js'
import { startAhead, type SpawnResult } from '../process/spawn.js'
import type { Parsed } from './hot-parse.js'

/**
 * What a warm `run` waits for (its container inspect, then its server's health, and the host's git
 * identity), started while the flows are still loading: all read only, and the run takes their
 * results when it asks for exactly the same (same name, same folder; otherwise they are not used).
 * Needs --spin: without it the name depends on the config, read later.
 */
export function startRunLookupsAhead(parsed: Parsed, env: NodeJS.ProcessEnv): void {
  const spin = parsed.flags.spin
  if (typeof spin !== 'string') return
  try {
    const workdir = path.resolve(parsed.args.workdir ?? '.')
    const project =
      typeof parsed.flags.project === 'string' ? slugify(parsed.flags.project) : deriveProjectName(workdir)
    const name = containerName(spin, project, imagePrefix(env))
    const inspected = startAhead('docker', inspectManyArgs([name, gatewayName(name)]))
    // The host's git identity once the inspect is back, beside the health check (not against the
    // inspect for the 2 cores): kept now, so that a run asking for it sooner (flows/run-agent.ts)
    // waits for this one rather than starting another.
    startAhead('git', gitIdentityArgs(workdir), inspected)
    healthAhead(name, inspected, env)
  } catch {
    // An invalid spin, project or prefix: the run itself says what is wrong.
  }
}

/** What `connect` waits for: the inspect of the agent it names and its gateway, then its health. */
export function startConnectLookupAhead(parsed: Parsed, env: NodeJS.ProcessEnv): void {
  const name = parsed.args.name
  if (name) healthAhead(name, startAhead('docker', inspectManyArgs([name, gatewayName(name)])), env)
}

/**
 * Once the inspect is back: when it shows the agent running, its server's health check (the first
 * thing a warm run or a connect asks of it), started while the flows still load. Read only, and
 * taken only as the same request (same port, same password); anything unexpected here starts
 * nothing, and the command finds it out itself.
 */
function healthAhead(name: string, inspected: Promise<SpawnResult>, env: NodeJS.ProcessEnv): void {
  // What only the health check needs (node:http, the password's crypto, zod) loads while the
  // inspect runs, not before it starts.
  const loaded = Promise.all([
    import('../containers/server.js'),
    import('../opencode/health.js'),
    import('../opencode/http.js'),
    import('../paths.js'),
    import('../secrets/session.js'),
  ])
  Promise.all([inspected, loaded])
    .then(async ([result, [server, health, http, { paths }, session]]) => {
      const containers = JSON.parse(result.stdout || '[]') as {
        Name?: string
        State?: { Running?: boolean }
        Config?: { Labels?: Record<string, string> }
      }[]
      const agent = containers.find((c) => c.Name?.replace(/^\//, '') === name)
      const port = agent?.State?.Running ? server.portFromLabels(agent.Config?.Labels ?? {}) : undefined
      if (port === undefined) return
      const password = await session.sessionPassword(name, paths(env).saltFile, { mayCreateSalt: false })
      http.startGetAhead(
        ...health.healthRequest(server.serverUrl(port), password),
        health.HEALTH_REQUEST_TIMEOUT_MS,
      )
    })
    .catch(() => undefined)
}
