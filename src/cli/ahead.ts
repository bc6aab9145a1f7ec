import path from 'node:path'
import { inspectManyArgs } from '../docker/argv.js'
import { isLocalSocket, type DockerEndpoint } from '../docker/endpoint.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../containers/naming.js'
import { gatewayName } from '../egress/names.js'
import { gitFactsArgs } from '../host/git.js'
import { startAhead, type SpawnResult } from '../process/spawn.js'
import type { Prefetched } from '../prefetched.js'
import type { Parsed } from './hot-parse.js'

/**
 * What a warm `run` waits for (its container inspect, then its server's health, and the host's git
 * identity), started while the flows are still loading: all read only, and kept in `prefetched`
 * by what they are, for the flow to take when it asks for the same container, server or folder.
 * Needs --spin: without it the name depends on the config, read later.
 */
export function startRunLookupsAhead(
  parsed: Parsed,
  env: NodeJS.ProcessEnv,
  prefetched: Prefetched,
  endpoint: DockerEndpoint,
): void {
  const spin = parsed.flags.spin
  if (typeof spin !== 'string') return
  try {
    const workdir = path.resolve(parsed.args.workdir ?? '.')
    const project =
      typeof parsed.flags.project === 'string' ? slugify(parsed.flags.project) : deriveProjectName(workdir)
    const name = containerName(spin, project, imagePrefix(env))
    const healthSent = inspectThenHealthAhead(name, env, prefetched, endpoint)
    // The host's git identity once the health check is on its way (not against the inspect for the
    // 2 cores): kept now, so that a run asking for it sooner (flows/run/lookup.ts) waits for this
    // one rather than starting another.
    prefetched.keepGitFacts(workdir, startAhead('git', gitFactsArgs(workdir), { after: healthSent }).result)
  } catch {
    // An invalid spin, project or prefix: the run itself says what is wrong.
  }
}

/** What `connect` waits for: the inspect of the agent it names and its gateway, then its health. */
export function startConnectLookupAhead(
  parsed: Parsed,
  env: NodeJS.ProcessEnv,
  prefetched: Prefetched,
  endpoint: DockerEndpoint,
): void {
  const name = parsed.args.name
  if (name) inspectThenHealthAhead(name, env, prefetched, endpoint)
}

/**
 * The inspect of an agent and its gateway, then its health check; settles once that GET is sent.
 * The command gets the inspect only then: the flows' work on it would otherwise come first and
 * hold the request back, where now the server answers while they work.
 */
function inspectThenHealthAhead(
  name: string,
  env: NodeJS.ProcessEnv,
  prefetched: Prefetched,
  endpoint: DockerEndpoint,
): Promise<void> {
  let sent!: () => void
  const healthSent = new Promise<void>((resolve) => (sent = resolve))
  const inspected = startAhead('docker', inspectManyArgs([name, gatewayName(name)]), {
    handOverAfter: healthSent,
  })
  prefetched.keepLookup(name, inspected.handedOver)
  // An engine elsewhere publishes on its own loopback: no health check ahead (the flow forwards the
  // port first), so the inspect is handed over as soon as it is back.
  if (isLocalSocket(endpoint.host)) void healthAhead(name, inspected.result, env, prefetched).then(sent)
  else void inspected.result.then(sent, sent)
  return healthSent
}

/**
 * Once the inspect is back: when it shows the agent running, its server's health check (the first
 * thing a warm run or a connect asks of it), started while the flows still load. Read only, and
 * taken only for the same server and password; anything unexpected here starts nothing, and the
 * command finds it out itself. Settles (never rejects) once the request is sent, or failed, or
 * there is none to send.
 */
function healthAhead(
  name: string,
  inspected: Promise<SpawnResult>,
  env: NodeJS.ProcessEnv,
  prefetched: Prefetched,
): Promise<void> {
  // What only the health check needs (the password's crypto, zod) loads while the inspect runs,
  // not before it starts.
  const loaded = Promise.all([
    import('../containers/server.js'),
    import('../opencode/health.js'),
    import('../opencode/http.js'),
    import('../paths.js'),
    import('../secrets/session.js'),
  ])
  return Promise.all([inspected, loaded])
    .then(async ([result, [server, health, http, { paths }, session]]) => {
      const containers = JSON.parse(result.stdout || '[]') as {
        Name?: string
        State?: { Running?: boolean }
        Config?: { Labels?: Record<string, string> }
      }[]
      const agent = containers.find((c) => c.Name?.replace(/^\//, '') === name)
      const port = agent?.State?.Running ? server.portFromLabels(agent.Config?.Labels ?? {}) : undefined
      if (port === undefined || prefetched.discarded) return
      const password = await session.sessionPassword(name, paths(env).saltFile, { mayCreateSalt: false })
      const url = server.serverUrl(port)
      const started = http.startGetAhead(
        ...health.healthRequest(url, password),
        health.HEALTH_REQUEST_TIMEOUT_MS,
      )
      prefetched.keepHealth(url, password, started.response)
      return started.sent
    })
    .catch(() => undefined)
}
