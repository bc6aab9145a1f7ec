import { paths } from '../paths.js'
import { dockerEndpoint, type DockerEndpoint } from './endpoint.js'
import { sshMuxPath } from './ssh-mux.js'

/**
 * Chooses how this process talks to its engine, once, before any docker command starts: for an
 * ssh:// engine, docker runs with the shared-connection ssh first on its PATH (docker/ssh-mux.ts).
 * `env` is this process's environment, which every docker child inherits; CAIGED_SSH_MUX=0 turns
 * the sharing off. The PATH it had is kept in CAIGED_ORIGINAL_PATH (the forward's ssh is the real one).
 */
export function connectEngine(env: NodeJS.ProcessEnv): DockerEndpoint {
  const endpoint = dockerEndpoint(env)
  if (endpoint.host.startsWith('ssh://') && env.CAIGED_SSH_MUX !== '0') {
    const muxPath = sshMuxPath(env, paths(env).sshMuxDir)
    if (muxPath && muxPath !== env.PATH) {
      env.CAIGED_ORIGINAL_PATH = env.PATH ?? ''
      env.PATH = muxPath
    }
  }
  return endpoint
}
