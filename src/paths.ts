import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { lazyOs } from './builtins.js'

/**
 * Every environment variable caiged reads and every file it keeps: the one home of both. The man
 * pages' ENVIRONMENT and FILES sections are generated from these tables, and code reads the
 * variables through `paths()` or by the names listed here.
 */
export const ENVIRONMENT = {
  IMAGE_PREFIX: 'Prefix of image and container names (default: caiged).',
  OPENCODE_VERSION:
    'OpenCode version to build images with when --opencode-version is not given: exact, "latest" or a semver range (default: the host\u2019s opencode --version).',
  CAIGED_BASE_IMAGE: 'Base image when --base-image is not given (default: debian:bookworm-slim).',
  CAIGED_IMAGE_REGISTRY:
    'Where CI publishes caiged images (registry/namespace); run and build use them when they match. Config: images.registry.',
  CONTAINER_SHELL: 'The shell caiged containers shell starts when no command is given (default: /bin/bash).',
  XDG_CONFIG_HOME:
    'Where caiged keeps its config, salt and the user\u2019s spins, under caiged/ (default: ~/.config).',
  XDG_CACHE_HOME: 'Where caiged caches downloaded OpenCode packages, under caiged/ (default: ~/.cache).',
  XDG_DATA_HOME: 'Where the host\u2019s OpenCode keeps auth.json, under opencode/ (default: ~/.local/share).',
  GH_CONFIG_DIR: 'The GitHub CLI config folder mounted into containers (default: $XDG_CONFIG_HOME/gh).',
  SSH_AUTH_SOCK: 'The ssh-agent socket that run --ssh-agent forwards.',
  DOCKER_HOST: 'The Docker engine to use, honoured as by docker itself.',
  DOCKER_CONTEXT: 'The Docker context to use, honoured as by docker itself.',
  XDG_RUNTIME_DIR:
    'Where the sockets of the ssh connections to an ssh engine live, under caiged/ssh/ (default: $XDG_CACHE_HOME/caiged/ssh/).',
  CAIGED_SSH_MUX: 'CAIGED_SSH_MUX=0: docker\u2019s commands to an ssh engine do not share one connection.',
  CI: 'When set, progress is printed as plain lines instead of a live display.',
  NO_COLOR: 'When set, errors are not coloured.',
  DEBUG: 'DEBUG=caiged prints the stack of an unexpected error, for a bug report.',
} as const
export type EnvName = keyof typeof ENVIRONMENT

export const FILES: readonly [string, string][] = [
  ['$XDG_CONFIG_HOME/caiged/config.json', 'The user\u2019s defaults (caiged config set); validated, strict.'],
  [
    '$XDG_CONFIG_HOME/caiged/salt',
    'The secret that server passwords are derived from (sha256 of container name and salt); created on first use, mode 0600.',
  ],
  ['$XDG_CONFIG_HOME/caiged/spins/', 'The user\u2019s own spins, one folder each.'],
  [
    '$XDG_CONFIG_HOME/caiged/egress/<container>.json',
    'The hosts caiged egress allow/deny added for a container (kept across recreates), and the policy its gateway runs.',
  ],
  [
    '$XDG_CACHE_HOME/caiged/',
    'Downloaded OpenCode packages (integrity-checked) and the host client\u2019s version.',
  ],
  [
    '$XDG_CACHE_HOME/caiged/code-cache/',
    'V8\u2019s compiled code of caiged\u2019s hot path (run, connect, containers list), kept between runs by bin/run.cjs; safe to delete.',
  ],
  [
    '$XDG_CACHE_HOME/caiged/compile-cache/',
    'On Node \u2265 22: Node\u2019s compile cache of caiged\u2019s other commands; safe to delete.',
  ],
  [
    '$XDG_CACHE_HOME/caiged/engines.json',
    'Per docker endpoint that is not a socket: whether its engine is this machine (so it can mount this machine\u2019s files); safe to delete.',
  ],
  [
    '$XDG_RUNTIME_DIR/caiged/ssh/',
    'For an ssh engine: the ssh that shares one connection among docker\u2019s commands, and its control sockets (mode 0700).',
  ],
  ['<project>/.caiged/spins/', 'A project\u2019s spins; found before the user\u2019s and the built-in ones.'],
  [
    '<project>/.caiged/config.json',
    'The project\u2019s committed settings (default spin, extra Debian packages, egress rules, publish ports, resources); the Docker socket, secrets, a writable GitHub config or open egress from it need your consent.',
  ],
  [
    '$XDG_CONFIG_HOME/caiged/projects.json',
    'Per project folder, the widening its .caiged/config.json asked for that you allowed.',
  ],
]

/** Where caiged's own files and the host files it may share are, for one environment. */
export interface Paths {
  home: string
  configDir: string
  configFile: string
  saltFile: string
  /** The user's own spins. */
  userSpinsDir: string
  /** Per container: what `caiged egress allow|deny` added (egress/store.ts). */
  egressDir: string
  /** Per project folder: the widening its .caiged/config.json asked for that the user allowed. */
  consentFile: string
  /** The machine's gateway CA, key and certificate (0600): gateways intercept with it. */
  gatewayCaFile: string
  /** Its certificate alone: what agents trust (mounted read-only). */
  gatewayCaCertFile: string
  cacheDir: string
  /**
   * The sockets of the ssh connections docker's commands share (docker/ssh-mux.ts): in the user's
   * runtime folder, where sockets belong, else in the cache folder.
   */
  sshMuxDir: string
  /** The host OpenCode's auth.json, copied into containers. */
  hostAuthFile: string
  /** The GitHub CLI's config folder, mounted into containers. */
  hostGhDir: string
}

/**
 * An XDG base folder: the variable when it is absolute (the spec says a relative one is invalid and
 * must be ignored), else the default under HOME.
 */
function xdgDir(value: string | undefined, home: string, ...fallback: string[]): string {
  return value && path.isAbsolute(value) ? value : path.join(home, ...fallback)
}

/** Pure: the environment is passed in, so tests never touch the real home directory. */
export function paths(env: NodeJS.ProcessEnv): Paths {
  // What os.homedir() returns when HOME is set, without loading node:os.
  const home = env.HOME || lazyOs().homedir()
  const config = xdgDir(env.XDG_CONFIG_HOME, home, '.config')
  const configDir = path.join(config, 'caiged')
  return {
    home,
    configDir,
    configFile: path.join(configDir, 'config.json'),
    saltFile: path.join(configDir, 'salt'),
    userSpinsDir: path.join(configDir, 'spins'),
    egressDir: path.join(configDir, 'egress'),
    consentFile: path.join(configDir, 'projects.json'),
    gatewayCaFile: path.join(configDir, 'gateway-ca.pem'),
    gatewayCaCertFile: path.join(configDir, 'gateway-ca.crt'),
    cacheDir: path.join(xdgDir(env.XDG_CACHE_HOME, home, '.cache'), 'caiged'),
    sshMuxDir:
      env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)
        ? path.join(env.XDG_RUNTIME_DIR, 'caiged', 'ssh')
        : path.join(xdgDir(env.XDG_CACHE_HOME, home, '.cache'), 'caiged', 'ssh'),
    hostAuthFile: path.join(xdgDir(env.XDG_DATA_HOME, home, '.local', 'share'), 'opencode', 'auth.json'),
    hostGhDir:
      env.GH_CONFIG_DIR && path.isAbsolute(env.GH_CONFIG_DIR) ? env.GH_CONFIG_DIR : path.join(config, 'gh'),
  }
}

export const configDir = (env: NodeJS.ProcessEnv): string => paths(env).configDir
export const saltFile = (env: NodeJS.ProcessEnv): string => paths(env).saltFile
export const cacheDir = (env: NodeJS.ProcessEnv): string => paths(env).cacheDir

/**
 * The installed package's root: bake/, docker/ and spins/ ship inside it. Found by walking up from
 * this code, which sits in src/ when tested and in a chunk of dist/ (at any depth) when bundled.
 */
export const packageRoot: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)))

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bake'))) return dir
    if (path.dirname(dir) === dir) return path.resolve(from, '..')
  }
}
