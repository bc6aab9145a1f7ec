import type { Deps } from '../deps.js'
import { DockerCli } from '../docker/cli.js'
import { Docker } from '../docker/index.js'
import { sshMuxPath } from '../docker/ssh-mux.js'
import { lastLine } from '../text.js'
import { listContainers, type ListedRow } from './containers.js'

/** A docker context as `docker context ls` prints it. */
interface ContextEntry {
  Name: string
  DockerEndpoint?: string
}

/**
 * `caiged containers list --all-contexts`: the agents on every docker context the user has, side
 * by side, each row naming its engine. Engines are asked one after another (an ssh one shares its
 * connection, ssh-mux.ts); one that does not answer is said and skipped, never the whole list.
 */
export async function listAllContexts(
  o: { passwords: boolean; memory?: boolean },
  d: Pick<Deps, 'docker' | 'env' | 'paths' | 'io'>,
  dockerOn: (engineEnv: Record<string, string>) => Docker = (engineEnv) =>
    new Docker(new DockerCli('docker', engineEnv)),
): Promise<ListedRow[]> {
  const listed = await d.docker.cli.run(['context', 'ls', '--format', '{{json .}}'])
  const contexts = listed
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as ContextEntry)
  const rows: ListedRow[] = []
  for (const context of contexts) {
    // The context by name, whatever DOCKER_HOST this process has; ssh ones through the shared connection.
    const engineEnv: Record<string, string> = { DOCKER_CONTEXT: context.Name, DOCKER_HOST: '' }
    if (context.DockerEndpoint?.startsWith('ssh://')) {
      const muxPath = sshMuxPath(d.env, d.paths.sshMuxDir)
      if (muxPath) engineEnv.PATH = muxPath
    }
    const docker = dockerOn(engineEnv)
    try {
      rows.push(
        ...(await listContainers(o, { docker, env: d.env, paths: d.paths, engine: { label: context.Name } })),
      )
    } catch (error) {
      d.io.warn(
        `Context ${context.Name} (${context.DockerEndpoint ?? '?'}) did not answer: ${lastLine((error as Error).message)}`,
      )
    }
  }
  return rows
}
