import type { DockerRunner } from './cli.js'
import { commandFailed } from './cli.js'
import { parseDockerJson } from './parse.js'
import { CaigedError, ExitCode } from '../errors.js'
import { InfoSchema, VersionSchema, type DockerInfo, type DockerVersion } from './schemas.js'

/** The engine as a whole: versions and capabilities. */
export class SystemClient {
  constructor(private readonly cli: DockerRunner) {}

  /** Client and server versions; an engine that does not answer is an error, never a null server. */
  async version(): Promise<DockerVersion & { Server: NonNullable<DockerVersion['Server']> }> {
    const args = ['version', '--format', '{{json .}}']
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0 && !result.stdout.trim()) throw commandFailed(args, result)
    const version = parseDockerJson(VersionSchema, result.stdout, 'docker version')
    if (version.Server === null) {
      throw new CaigedError('The Docker engine did not answer `docker version`.', {
        exitCode: ExitCode.Docker,
        hint: 'Check that the engine is running: `docker info`.',
      })
    }
    return { ...version, Server: version.Server }
  }

  async info(): Promise<DockerInfo> {
    const args = ['info', '--format', '{{json .}}']
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0 && !result.stdout.trim()) throw commandFailed(args, result)
    const info = parseDockerJson(InfoSchema, result.stdout, 'docker info')
    // With the engine down, docker 28 still prints client-side info (and exits 0): say so plainly.
    if (info.ServerErrors?.length || info.ID === '') {
      throw new CaigedError(
        `The Docker engine is not reachable: ${info.ServerErrors?.[0] ?? 'no server info'}`,
        {
          exitCode: ExitCode.Docker,
          hint: 'Start the engine, or point DOCKER_HOST / DOCKER_CONTEXT at a running one.',
        },
      )
    }
    return info
  }
}
