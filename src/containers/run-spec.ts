import { Label } from './labels.js'

/** Where things live inside the container (the image's user is `agent`, HOME /home/agent). */
export const ContainerPath = {
  workspace: '/workspace',
  data: '/home/agent/.local/share/opencode',
  auth: '/home/agent/.local/share/opencode/auth.json',
  gh: '/home/agent/.config/gh',
  dockerSocket: '/var/run/docker.sock',
  sshKey: '/run/caiged/ssh-key',
  sshAgent: '/run/caiged/ssh-agent.sock',
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
  git: 'io.caiged.git',
  ssh: 'io.caiged.ssh',
  resources: 'io.caiged.resources',
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
  /** The identity the agent's commits carry: the host user's, the agent's own, or none. */
  git: { mode: 'host' | 'agent' | 'none'; name?: string; email?: string }
  /** A key only the agent uses for git over ssh (mounted read-only), or the host's ssh-agent socket. */
  ssh: { key?: string; agentSocket?: string }
  resources: { memory?: string; cpus?: number; pids?: number }
  /** What the image was built from (see bake/plan.ts imageFingerprint): a warm run checks only this. */
  imageFingerprint: string
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
    [Label.imageFingerprint]: request.imageFingerprint,
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
    [ConfigLabel.git]:
      request.git.mode === 'none'
        ? 'none'
        : `${request.git.mode}: ${request.git.name ?? ''} <${request.git.email ?? ''}>`,
    [ConfigLabel.ssh]: request.ssh.key
      ? `key ${request.ssh.key}`
      : request.ssh.agentSocket
        ? 'agent'
        : 'none',
    [ConfigLabel.resources]: resourceText(request.resources),
  }
}

function resourceText(r: ContainerRequest['resources']): string {
  const parts = [r.memory && `memory=${r.memory}`, r.cpus && `cpus=${r.cpus}`, r.pids && `pids=${r.pids}`]
  return parts.filter(Boolean).join(',') || 'none'
}

const DRIFT_NAMES: Record<string, string> = {
  [Label.workdir]: 'project folder',
  [ConfigLabel.gh]: 'GitHub config mount',
  [ConfigLabel.auth]: 'OpenCode auth',
  [ConfigLabel.dockerSocket]: 'Docker socket',
  [ConfigLabel.secretEnv]: 'secret env names',
  [ConfigLabel.secretEnvFile]: 'secret env file',
  [ConfigLabel.volume]: 'sessions volume',
  [ConfigLabel.git]: 'git identity',
  [ConfigLabel.ssh]: 'ssh',
  [ConfigLabel.resources]: 'resource limits',
}

/**
 * How an existing container differs from what this run asks for ("" shown as "none"). A setting
 * the container has no label for (made before caiged recorded it) cannot be compared: it is left
 * out rather than reported as a change that reads "none → none".
 */
export function configDrift(requested: Record<string, string>, existing: Record<string, string>): string[] {
  const show = (v: string) => (v === '' ? 'none' : v)
  return Object.entries(requested)
    .filter(([key, want]) => existing[key] !== undefined && show(existing[key]) !== show(want))
    .map(([key, want]) => `${DRIFT_NAMES[key] ?? key}: ${show(existing[key] as string)} → ${show(want)}`)
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
  if (request.ssh.key) {
    args.push(
      '--mount',
      mount({ type: 'bind', src: request.ssh.key, dst: ContainerPath.sshKey, readonly: '' }),
    )
    args.push(
      '-e',
      `GIT_SSH_COMMAND=ssh -i ${ContainerPath.sshKey} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`,
    )
  } else if (request.ssh.agentSocket) {
    args.push('--mount', mount({ type: 'bind', src: request.ssh.agentSocket, dst: ContainerPath.sshAgent }))
    args.push('-e', `SSH_AUTH_SOCK=${ContainerPath.sshAgent}`)
  }
  // Identity through git's own environment: no host git config file is copied in.
  if (request.git.mode !== 'none' && request.git.name && request.git.email) {
    for (const who of ['AUTHOR', 'COMMITTER']) {
      args.push('-e', `GIT_${who}_NAME=${request.git.name}`, '-e', `GIT_${who}_EMAIL=${request.git.email}`)
    }
  }
  if (request.resources.memory) args.push('--memory', request.resources.memory)
  if (request.resources.cpus) args.push('--cpus', String(request.resources.cpus))
  if (request.resources.pids) args.push('--pids-limit', String(request.resources.pids))
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
