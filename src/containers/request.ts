import type { EgressMode } from '../egress/presets.js'
import type { PublishedPort } from './publish.js'
import { fitHostname } from '../hostname.js'

/** Where things live inside the container (the image's user is `agent`, HOME /home/agent). */
export const ContainerPath = {
  workspace: '/workspace',
  data: '/home/agent/.local/share/opencode',
  /** What the agent installs in user space (pip --user, npm -g, mise, ~/.local/bin): kept in a volume. */
  userTools: '/home/agent/.local',
  auth: '/home/agent/.local/share/opencode/auth.json',
  gh: '/home/agent/.config/gh',
  dockerSocket: '/var/run/docker.sock',
  sshKey: '/run/caiged/ssh-key',
  sshAgent: '/run/caiged/ssh-agent.sock',
  gatewayCa: '/run/caiged/gateway-ca.crt',
  /** The system's CAs and the gateway's: made at start by docker/caiged-start. */
  caBundle: '/tmp/caiged/ca-bundle.crt',
} as const
export const PASSWORD_ENV = 'OPENCODE_SERVER_PASSWORD'

/** How a container is to be made: everything a run knows before it picks an image and a port. */
export interface ContainerSettings {
  name: string
  spin: string
  project: string
  /** Absolute host path of the project; mounted read-write at /workspace. */
  workdir: string
  volume: string
  /** The volume that keeps what the agent installed in user space across upgrades and recreates. */
  toolsVolume: string
  gh: { mode: 'ro' | 'rw' | 'none'; hostDir: string | undefined }
  /** The host's auth.json is copied into the data volume (writable, so OpenCode can refresh it). */
  auth: 'copy' | 'none'
  dockerSocket: { path: string; gid: number } | undefined
  secretEnvNames: string[]
  /**
   * The secrets the gateway injects: the agent holds only their placeholders, and trusts the
   * gateway CA's certificate (a host file, mounted read-only) for the hosts they go to.
   */
  injected: { name: string; hosts: string[]; placeholder: string }[]
  gatewayCaCert: string | undefined
  /** The auth.json entries copied in for real (sign-ins the gateway cannot hold; the user said so). */
  authInside: string[]
  secretEnvFile: string | undefined
  /**
   * The names the env file set (none when absent), passed like secretEnvNames. Not recorded: the
   * file's path is, and a run (or `upgrade`) reads the file again.
   */
  envFileNames?: string[]
  /** The identity the agent's commits carry: the host user's, the agent's own, or none. */
  git: { mode: 'host' | 'agent' | 'none'; name?: string; email?: string }
  /**
   * Set when the engine runs on another machine, where this machine's files can't be mounted: the
   * small ones the agent is given (the gateway CA's certificate, the gh folder, an ssh key) are
   * copied into the container before it starts instead, owned by the agent's ids. Not recorded:
   * it follows from the engine.
   */
  hostFilesCopied?: { uid: number; gid: number }
  /** A key only the agent uses for git over ssh (mounted read-only), or the host's ssh-agent socket. */
  ssh: { key?: string; agentSocket?: string }
  resources: { memory?: string; cpus?: number; pids?: number }
  /** A bridge of its own (the default), or a network the user named (it shares it with others). */
  network: { name: string; own: boolean }
  /**
   * open: straight out, as before egress policies. balanced/locked: the agent's own network is
   * internal (no route, no outside DNS) and its one way out is its gateway's proxy, which goes out
   * through the `outward` network.
   */
  egress: { mode: 'open' } | { mode: Exclude<EgressMode, 'open'>; outward: string }
  /** Dev-server ports on 127.0.0.1 (published by the gateway when there is one). */
  publish: PublishedPort[]
  /** Seconds unused before the agent stops itself (containers/idle.ts); 0: never. */
  idleStopAfter: number
  /** bind: the project folder at /workspace; copy: the volume `workspaceVolume` there (a copy of it). */
  workspace: 'bind' | 'copy'
}

/** What a gateway needs to inject credentials: all of it secret, none of it ever in an argv. */
export interface GatewayCredentials {
  /** Squid configuration: the intercepted hosts and the headers set there (egress/credentials.ts). */
  rules: string
  /** A hash of `rules`, kept as a label so a run can tell when the values changed. */
  hash: string
  /** The machine's gateway CA, key and certificate (PEM). */
  ca: string
  /** CAs that upstream servers may be signed by besides the system's (config egress.upstreamCA). */
  upstreamCa?: string
}

/** The gateway a request with an egress policy gets: its image and the policy it enforces. */
export interface GatewayRequest {
  image: string
  rules: string
  policyHash: string
  /** The credentials it injects for the agent, when there are any. */
  credentials?: GatewayCredentials
}

/** A container to create: its settings, the image it runs and the loopback port it is published on. */
export interface ContainerRequest extends ContainerSettings {
  image: string
  opencodeVersion: string
  hostPort: number
  /** What the image was built from (see images/plan.ts imageFingerprint): a warm run checks only this. */
  imageFingerprint: string
  /** Where the image came from (images/source.ts), and its published digest. */
  imageSource?: 'registry' | 'build' | 'local'
  imageDigest?: string
  /** Set exactly when egress.mode is not open. */
  gateway?: GatewayRequest
}

/** The bridge network of a container's own, named within a hostname label like its gateway. */
export function networkName(containerName: string): string {
  return fitHostname(containerName, '-net')
}

/** The named volume that keeps a container's sessions across stop, upgrade and recreate. */
export function volumeName(containerName: string): string {
  return `${containerName}-data`
}

/** The named volume that holds the agent's copy of the project (--workspace copy). */
export function workspaceVolumeName(containerName: string): string {
  return `${containerName}-workspace`
}

/** The named volume that keeps what the agent installed in user space (~/.local). */
export function toolsVolumeName(containerName: string): string {
  return `${containerName}-tools`
}
