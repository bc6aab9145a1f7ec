import { GITHUB_CREDENTIAL } from '../egress/credentials.js'
import { proxyUrl } from '../egress/names.js'
import { Label } from '../labels.js'
import { ContainerPath, PASSWORD_ENV, workspaceVolumeName, type ContainerRequest } from './request.js'
import { containerLabels } from './settings-record.js'
import { SERVER_PORT } from './server.js'

/**
 * Every caiged container runs so: tini as PID 1 (it stops on SIGTERM at once, and zombies are
 * reaped), no new privileges, no capabilities.
 */
export const HARDENING = ['--init', '--security-opt', 'no-new-privileges', '--cap-drop', 'ALL'] as const

export interface RunSpec {
  /** argv after `docker create`: no secret value anywhere in it. */
  args: string[]
  /** Values for the `-e NAME` arguments, given to the docker process's environment only. */
  env: Record<string, string>
  /** Files of this machine to copy in before the container starts (an engine elsewhere: no binds). */
  copies: HostFileCopy[]
}

/** A file or folder of this machine, and where in the container it goes. */
export interface HostFileCopy {
  src: string
  dst: string
}

/**
 * `docker run` arguments for a request. Bind mounts use --mount, so paths with ":", "," or spaces
 * work; the password and secrets are `-e NAME` with their values in `env`.
 */
export function runSpec(
  request: ContainerRequest,
  secrets: { password: string; values: Record<string, string> },
): RunSpec {
  // Never the default bridge: a network of its own, or the one the user named.
  const args = ['--name', request.name, '--hostname', request.name, '--network', request.network.name]
  const copies: HostFileCopy[] = []
  // A file of this machine the agent is given: bound, or (an engine elsewhere) copied in.
  const hostFile = (src: string, dst: string, readonly: boolean) => {
    if (request.hostFilesCopied) copies.push({ src, dst })
    else args.push('--mount', mount({ type: 'bind', src, dst, ...(readonly ? { readonly: '' } : {}) }))
  }
  for (const [key, value] of Object.entries(containerLabels(request))) args.push('--label', `${key}=${value}`)
  args.push(...HARDENING)
  // Loopback only: the server can run any command in the box, so nothing else may reach it. With
  // an egress policy the gateway publishes it (an internal network publishes nothing).
  if (request.egress.mode === 'open') {
    args.push('-p', `127.0.0.1:${request.hostPort}:${SERVER_PORT}`)
    for (const p of request.publish) args.push('-p', `127.0.0.1:${p.host}:${p.container}`)
  } else args.push(...proxyEnv(request.name))
  args.push(
    '--mount',
    request.workspace === 'copy'
      ? mount({
          type: 'volume',
          src: workspaceVolumeName(request.name),
          dst: ContainerPath.workspace,
          'volume-label': `${Label.managed}=true`,
        })
      : mount({ type: 'bind', src: request.workdir, dst: ContainerPath.workspace }),
    // User-space tools first: the sessions volume sits inside it (docker mounts the outer first).
    '--mount',
    mount({
      type: 'volume',
      src: request.toolsVolume,
      dst: ContainerPath.userTools,
      'volume-label': `${Label.managed}=true`,
    }),
    '--mount',
    mount({
      type: 'volume',
      src: request.volume,
      dst: ContainerPath.data,
      'volume-label': `${Label.managed}=true`,
    }),
  )
  if (request.gh.hostDir && request.gh.mode !== 'none') {
    hostFile(request.gh.hostDir, ContainerPath.gh, request.gh.mode === 'ro')
  }
  if (request.dockerSocket) {
    args.push(
      '--mount',
      mount({ type: 'bind', src: request.dockerSocket.path, dst: ContainerPath.dockerSocket }),
    )
    args.push('--group-add', String(request.dockerSocket.gid))
  }
  if (request.ssh.key) {
    hostFile(request.ssh.key, ContainerPath.sshKey, true)
  } else if (request.ssh.agentSocket) {
    args.push('--mount', mount({ type: 'bind', src: request.ssh.agentSocket, dst: ContainerPath.sshAgent }))
    args.push('-e', `SSH_AUTH_SOCK=${ContainerPath.sshAgent}`)
  }
  const ssh = gitSshCommand(request)
  if (ssh) args.push('-e', `GIT_SSH_COMMAND=${ssh}`)
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
  // Its watcher (docker/caiged-idle) stops the server after this long unused.
  if (request.idleStopAfter > 0) args.push('-e', `CAIGED_IDLE_STOP_AFTER=${request.idleStopAfter}`)
  const env = secretArgs(request, secrets, args, hostFile)
  args.push(request.image)
  return { args, env, copies }
}

/**
 * The password and the secrets (--secret-env's, then the env file's): `-e NAME` in args, values in
 * the docker process's environment. A secret the gateway injects is only its placeholder in here:
 * the real value never enters.
 */
function secretArgs(
  request: ContainerRequest,
  secrets: { password: string; values: Record<string, string> },
  args: string[],
  hostFile: (src: string, dst: string, readonly: boolean) => void,
): Record<string, string> {
  const env: Record<string, string> = { [PASSWORD_ENV]: secrets.password }
  const placeholders = new Map(request.injected.map((i) => [i.name, i.placeholder]))
  const pass = (name: string) => {
    args.push('-e', name)
    env[name] = placeholders.get(name) ?? secrets.values[name] ?? ''
  }
  for (const name of request.secretEnvNames) pass(name)
  if (request.gatewayCaCert) {
    // The gateway answers for the hosts it injects at with the machine's CA: trusted here (Node and
    // Bun, so OpenCode too, add it to their own store; the others read the bundle).
    hostFile(request.gatewayCaCert, ContainerPath.gatewayCa, true)
    args.push('-e', `NODE_EXTRA_CA_CERTS=${ContainerPath.gatewayCa}`)
    // The system's CAs and the gateway's, in the bundle the image's entry (docker/caiged-start) makes.
    for (const name of ['SSL_CERT_FILE', 'GIT_SSL_CAINFO', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
      args.push('-e', `${name}=${ContainerPath.caBundle}`)
  }
  const github = placeholders.get(GITHUB_CREDENTIAL)
  if (github) {
    // The GitHub token's placeholder where tools look for one (gh reads GH_TOKEN), and git over
    // HTTPS to GitHub answered with it by a credential helper in git's environment config.
    args.push('-e', 'GH_TOKEN', ...GITHUB_GIT_HELPER.flatMap((v) => ['-e', v]))
    env.GH_TOKEN = github
  }
  // Last, and only what no -e above set (the password, the proxy, --secret-env's): docker's -e won
  // over its --env-file, and one name can have one value in env.
  const set = envNamesIn(args)
  for (const name of request.envFileNames ?? []) if (!set.has(name)) pass(name)
  return env
}

/** git's config from its environment: the placeholder as the password for github.com. */
const GITHUB_GIT_HELPER = [
  'GIT_CONFIG_COUNT=1',
  'GIT_CONFIG_KEY_0=credential.https://github.com.helper',
  `GIT_CONFIG_VALUE_0=!f() { test "$1" = get || return 0; printf 'username=x-access-token\\npassword=%s\\n' "$GH_TOKEN"; }; f`,
]

/** The names `-e NAME` and `-e NAME=value` arguments set. */
function envNamesIn(args: string[]): Set<string> {
  return new Set(args.flatMap((arg, i) => (args[i - 1] === '-e' ? [arg.split('=')[0] as string] : [])))
}

/**
 * The proxy variables (upper and lower case: tools read one or the other). NO_PROXY holds literal
 * loopback names only: Bun matches no CIDR, and nothing else may bypass the gateway.
 */
export function proxyEnv(agent: string): string[] {
  const url = proxyUrl(agent)
  const values = { HTTP_PROXY: url, HTTPS_PROXY: url, NO_PROXY: 'localhost,127.0.0.1,::1' }
  return Object.entries(values).flatMap(([name, value]) => [
    '-e',
    `${name}=${value}`,
    '-e',
    `${name.toLowerCase()}=${value}`,
  ])
}

/**
 * git's ssh: the agent's own key when it has one, and with an egress policy through the gateway
 * (an HTTP CONNECT tunnel by OpenBSD netcat), which allows host:22 only where a rule says so.
 */
export function gitSshCommand(
  request: Pick<ContainerRequest, 'name' | 'ssh' | 'egress'>,
): string | undefined {
  const options: string[] = []
  if (request.ssh.key) {
    options.push(`-i ${ContainerPath.sshKey}`, '-o IdentitiesOnly=yes', '-o StrictHostKeyChecking=accept-new')
  }
  if (request.egress.mode !== 'open') {
    const gateway = new URL(proxyUrl(request.name)).host
    options.push(`-o ProxyCommand="nc -X connect -x ${gateway} %h %p"`)
  }
  return options.length ? `ssh ${options.join(' ')}` : undefined
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
