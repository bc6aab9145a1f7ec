import fs from 'node:fs'
import path from 'node:path'
import { lazyCrypto, lazyOs } from '../builtins.js'

/** The engine `docker` talks to for this environment, as docker itself picks it. */
export interface DockerEndpoint {
  /** unix:///var/run/docker.sock, ssh://user@host, tcp://host:2376, npipe://… */
  host: string
  /** The docker context it comes from; undefined when DOCKER_HOST set it (or no context is in use). */
  context?: string
}

export const DEFAULT_ENDPOINT = 'unix:///var/run/docker.sock'

/**
 * docker's own order: DOCKER_HOST, then DOCKER_CONTEXT, then the config's currentContext, then the
 * default socket. A named context's endpoint is read from its metadata file (where `docker context
 * create` writes it), so this costs no docker process on the warm path.
 */
export function dockerEndpoint(env: NodeJS.ProcessEnv): DockerEndpoint {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST }
  const configDir = env.DOCKER_CONFIG || path.join(env.HOME || lazyOs().homedir(), '.docker')
  const context =
    env.DOCKER_CONTEXT ||
    readJson<{ currentContext?: string }>(path.join(configDir, 'config.json'))?.currentContext
  if (!context || context === 'default') return { host: DEFAULT_ENDPOINT }
  const id = lazyCrypto().createHash('sha256').update(context).digest('hex')
  const meta = readJson<{ Endpoints?: { docker?: { Host?: string } } }>(
    path.join(configDir, 'contexts', 'meta', id, 'meta.json'),
  )
  return { host: meta?.Endpoints?.docker?.Host ?? DEFAULT_ENDPOINT, context }
}

/** A socket on this machine (or Docker Desktop's, whose VM shares the user's folders). */
export function isLocalSocket(host: string): boolean {
  return host.startsWith('unix://') || host.startsWith('npipe://') || host.startsWith('fd://')
}

/** The ssh destination of an ssh:// endpoint, as `ssh` takes it (user@host, -p port). */
export interface SshTarget {
  destination: string
  port?: string
}

export function sshTarget(host: string): SshTarget | undefined {
  if (!host.startsWith('ssh://')) return undefined
  try {
    const url = new URL(host)
    if (!url.hostname) return undefined
    const user = url.username ? `${decodeURIComponent(url.username)}@` : ''
    return { destination: `${user}${url.hostname}`, ...(url.port ? { port: url.port } : {}) }
  } catch {
    return undefined
  }
}

/** The engine's name as users read it: its context, docker's "default", or DOCKER_HOST's value. */
export function engineLabel(endpoint: DockerEndpoint): string {
  return endpoint.context ?? (endpoint.host === DEFAULT_ENDPOINT ? 'default' : endpoint.host)
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}
