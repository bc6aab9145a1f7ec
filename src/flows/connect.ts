import { ContainerPath } from '../containers/request.js'
import { portInside, serverUrl } from '../containers/server.js'
import { egressModeOf, noSuchContainer, portOf } from '../containers/service.js'
import type { Deps } from '../deps.js'
import { CaigedError, usageError } from '../errors.js'
import { deniedSince } from './denied.js'
import { checkClientServerVersions } from '../opencode/compat.js'
import { checkClientSupported } from '../opencode/dialect.js'
import { missingClientError } from '../opencode/host-client.js'
import { latestSession, lookUpLatestSession } from '../opencode/server-api.js'
import { sessionPassword } from '../secrets/session.js'

export interface AttachOptions {
  name: string
  port: number
  password: string
  serverVersion: string
  hostVersion: string | undefined
  /** The latest session, when the caller looked it up already (alongside the health check). */
  session?: Promise<string | undefined>
  /** The agent has an egress gateway: what it refused during the session is said afterwards. */
  gated: boolean
}

/**
 * Attaches the host TUI to a ready server: version check first, then the latest session of
 * /workspace continued. Returns the client's exit code.
 */
export async function attachTui(
  o: AttachOptions,
  d: Pick<Deps, 'io' | 'hostOpencode' | 'clock' | 'docker' | 'containers' | 'engine'>,
): Promise<number> {
  if (!o.hostVersion) throw missingClientError()
  const warning = checkClientServerVersions(o.hostVersion, o.serverVersion, o.name)
  if (warning) d.io.warn(warning)
  const url = serverUrl(await d.engine.reach(o.port, portInside(o.name)))
  const session = await (o.session ?? latestSession(url, o.password, ContainerPath.workspace))
  if (session) d.io.log(`Continuing session ${session}`)
  const started = d.clock.now()
  const code = await d.hostOpencode.attach(url, {
    password: o.password,
    directory: ContainerPath.workspace,
    session,
  })
  // The TUI's own parting line ("Continue opencode -s ses_…") names a server on this machine that
  // is not there: say how to come back to this container's session instead.
  const last = await latestSession(url, o.password, ContainerPath.workspace).catch(() => undefined)
  // A refused request shows in the TUI only as "blocked by a gateway or proxy": say which, and how.
  if (o.gated) for (const line of await deniedSince(o.name, started, d)) d.io.warn(line)
  if (last) d.io.log(continueLine(o.name, last))
  return code
}

/** The command that attaches again to a container's session. */
export function continueLine(name: string, session: string): string {
  return `Continue: caiged connect ${name} --session ${session}`
}

/** OpenCode's session ids (ses_ and letters and digits): checked before one reaches an argv. */
const SESSION_ID = /^ses_[A-Za-z0-9]{1,64}$/

function checkedSession(id: string): string {
  if (!SESSION_ID.test(id)) {
    throw usageError(
      `"${id}" is not an OpenCode session id.`,
      'Session ids look like ses_4f1c2a…; the line caiged prints after the TUI exits has the one you used last.',
    )
  }
  return id
}

/**
 * `caiged connect NAME`: a running container's server, checked with its password, then the TUI on
 * the session asked for, else the latest.
 */
export async function connectAgent(o: { name: string; session?: string }, d: Deps): Promise<number> {
  const asked = o.session === undefined ? undefined : checkedSession(o.session)
  const hostVersion = checkClientSupported(await d.hostOpencode.version())
  if (!hostVersion) throw missingClientError()
  const service = d.containers
  // The agent and its gateway in one docker process, as the warm run looks (and started ahead the same way).
  const found = await service.findWithGateway(o.name)
  const container = found.agent
  if (!container) throw noSuchContainer(o.name)
  // Stopped (while idle, or by someone): started again, its gateway with it (a slow path, loaded then).
  const resumed = !container.State.Running
  if (resumed) await (await import('./resume.js')).resumeStopped(container, d)
  const port = portOf(container)
  if (port === undefined)
    throw new CaigedError(`${container.Name} has no port label (made by an old caiged?); recreate it.`)
  const password = await sessionPassword(container.Name, d.paths.saltFile, { mayCreateSalt: false })
  // Its port is published by its gateway: one found stopped is started (it keeps its policy).
  if (
    !resumed &&
    egressModeOf(container) !== 'open' &&
    (await service.ensureGateway(container, undefined, found.gateway ?? null)) === 'started'
  ) {
    d.io.warn(
      `The egress gateway of ${container.Name} was stopped, so the agent had no way out; started it again.`,
    )
  }
  // The session list is asked for alongside the health check, not after it (a ready server answers
  // both at once); asked again once the server is healthy if it gave no list then.
  const url = serverUrl(await d.engine.reach(port, portInside(container.Name)))
  const early = asked ? undefined : lookUpLatestSession(url, password, ContainerPath.workspace)
  const health = await service.waitHealthy(container.Name, port, password, 30_000)
  const session = early
    ? early.then((first) =>
        first.answered ? first.id : latestSession(url, password, ContainerPath.workspace),
      )
    : Promise.resolve(asked)
  return attachTui(
    {
      name: container.Name,
      port,
      password,
      serverVersion: health.version,
      hostVersion,
      session,
      gated: egressModeOf(container) !== 'open',
    },
    d,
  )
}
