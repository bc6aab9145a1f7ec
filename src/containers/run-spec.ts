import { Label } from './labels.js'

/** Where things live inside the container (the image's user is `agent`, HOME /home/agent). */
export const ContainerPath = {
  workspace: '/workspace',
  data: '/home/agent/.local/share/opencode',
  auth: '/home/agent/.local/share/opencode/auth.json',
  gh: '/home/agent/.config/gh',
  dockerSocket: '/var/run/docker.sock',
} as const
export const SERVER_PORT = 4096
export const PASSWORD_ENV = 'OPENCODE_SERVER_PASSWORD'

/** Extra labels that record how a container was made, so a later `run` can say what differs. */
export const ConfigLabel = {
  gh: 'io.caiged.gh',
  auth: 'io.caiged.auth',
  dockerSocket: 'io.caiged.docker-socket',
  secretEnv: 'io.caiged.secret-env',
  secretEnvFile: 'io.caiged.secret-env-file',
  volume: 'io.caiged.volume',
} as const

export interface ContainerRequest {
  name: string
  image: string
  spin: string
  project: string
  /** Absolute host path of the project; mounted read-write at /workspace. */
  workdir: string
  hostPort: number
  opencodeVersion: string
  volume: string
  gh: { mode: 'ro' | 'rw' | 'none'; hostDir: string | undefined }
  /** The host's auth.json is copied into the data volume (writable, so OpenCode can refresh it). */
  auth: 'copy' | 'none'
  dockerSocket: { path: string; gid: number } | undefined
  secretEnvNames: string[]
  secretEnvFile: string | undefined
}

export interface RunSpec {
  /** argv after `docker run -d`: no secret value anywhere in it. */
  args: string[]
  /** Values for the `-e NAME` arguments, given to the docker process's environment only. */
  env: Record<string, string>
}

/** The labels a container made from this request carries; configuration ones are compared on reuse. */
export function containerLabels(request: ContainerRequest): Record<string, string> {
  return {
    [Label.managed]: 'true',
    [Label.spin]: request.spin,
    [Label.project]: request.project,
    [Label.workdir]: request.workdir,
    [Label.port]: String(request.hostPort),
    [Label.legacyPort]: String(request.hostPort),
    [Label.opencodeVersion]: request.opencodeVersion,
    ...configLabels(request),
  }
}

export function configLabels(request: ContainerRequest): Record<string, string> {
  return {
    [Label.workdir]: request.workdir,
    [ConfigLabel.gh]: request.gh.hostDir ? request.gh.mode : 'none',
    [ConfigLabel.auth]: request.auth,
    [ConfigLabel.dockerSocket]: request.dockerSocket ? 'yes' : 'no',
    [ConfigLabel.secretEnv]: [...request.secretEnvNames].sort().join(','),
    [ConfigLabel.secretEnvFile]: request.secretEnvFile ?? '',
    [ConfigLabel.volume]: request.volume,
  }
}

const DRIFT_NAMES: Record<string, string> = {
  [Label.workdir]: 'project folder',
  [ConfigLabel.gh]: 'GitHub config mount',
  [ConfigLabel.auth]: 'OpenCode auth',
  [ConfigLabel.dockerSocket]: 'Docker socket',
  [ConfigLabel.secretEnv]: 'secret env names',
  [ConfigLabel.secretEnvFile]: 'secret env file',
  [ConfigLabel.volume]: 'sessions volume',
}

/** How an existing container differs from what this run asks for ("" values shown as "none"). */
export function configDrift(requested: Record<string, string>, existing: Record<string, string>): string[] {
  const show = (v: string | undefined) => (v === undefined || v === '' ? 'none' : v)
  return Object.entries(requested)
    .filter(([key, want]) => (existing[key] ?? '') !== want)
    .map(([key, want]) => `${DRIFT_NAMES[key] ?? key}: ${show(existing[key])} → ${show(want)}`)
}

/**
 * `docker run` arguments for a request. Bind mounts use --mount, so paths with ":", "," or spaces
 * work; the password and secrets are `-e NAME` with their values in `env`.
 */
export function runSpec(
  request: ContainerRequest,
  secrets: { password: string; values: Record<string, string> },
): RunSpec {
  const args = ['--name', request.name, '--hostname', request.name]
  for (const [key, value] of Object.entries(containerLabels(request))) args.push('--label', `${key}=${value}`)
  args.push(
    // tini as PID 1: the server stops on SIGTERM at once, and zombies are reaped.
    '--init',
    '--security-opt',
    'no-new-privileges',
    '--cap-drop',
    'ALL',
    // Loopback only: the server can run any command in the box, so nothing else may reach it.
    '-p',
    `127.0.0.1:${request.hostPort}:${SERVER_PORT}`,
    '--mount',
    mount({ type: 'bind', src: request.workdir, dst: ContainerPath.workspace }),
    '--mount',
    mount({
      type: 'volume',
      src: request.volume,
      dst: ContainerPath.data,
      'volume-label': `${Label.managed}=true`,
    }),
  )
  if (request.gh.hostDir && request.gh.mode !== 'none') {
    args.push(
      '--mount',
      mount({
        type: 'bind',
        src: request.gh.hostDir,
        dst: ContainerPath.gh,
        ...(request.gh.mode === 'ro' ? { readonly: '' } : {}),
      }),
    )
  }
  if (request.dockerSocket) {
    args.push(
      '--mount',
      mount({ type: 'bind', src: request.dockerSocket.path, dst: ContainerPath.dockerSocket }),
    )
    args.push('--group-add', String(request.dockerSocket.gid))
  }
  args.push(
    '-e',
    PASSWORD_ENV,
    '-e',
    `AGENT_SPIN=${request.spin}`,
    '-e',
    'AGENT_DAEMON=1',
    '-e',
    `AGENT_WORKDIR=${ContainerPath.workspace}`,
  )
  const env: Record<string, string> = { [PASSWORD_ENV]: secrets.password }
  for (const name of request.secretEnvNames) {
    args.push('-e', name)
    env[name] = secrets.values[name] ?? ''
  }
  if (request.secretEnvFile) args.push('--env-file', request.secretEnvFile)
  args.push(request.image)
  return { args, env }
}

/** One --mount value; fields holding "," or '"' are CSV-quoted, as docker parses them. */
export function mount(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => {
      const field = value === '' ? key : `${key}=${value}`
      return /[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field
    })
    .join(',')
}

/** The named volume that keeps a container's sessions across stop, upgrade and recreate. */
export function volumeName(containerName: string): string {
  return `${containerName}-data`
}
