import semver from 'semver'
import { CaigedError, ExitCode } from '../errors.js'
import type { DockerResult, DockerRunner } from './cli.js'

/** BuildKit through `docker buildx`. */
export class BuildxClient {
  private cachedVersion: string | undefined

  constructor(private readonly cli: DockerRunner) {}

  /** buildx's version, e.g. "0.29.1"; a missing buildx plugin is a clear error. */
  async version(): Promise<string> {
    if (this.cachedVersion) return this.cachedVersion
    const result = await this.cli.exec(['buildx', 'version'])
    // "github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4" or "github.com/docker/buildx v0.17.1 abc123"
    const version = semver.coerce(result.stdout.split(/\s+/)[1] ?? '')
    if (result.exitCode !== 0 || version === null) {
      throw new CaigedError('Docker buildx is not available (`docker buildx version` failed).', {
        exitCode: ExitCode.Docker,
        hint: 'Install the buildx plugin (Debian: docker-buildx; Docker Desktop ships it): https://docs.docker.com/build/',
      })
    }
    this.cachedVersion = version.version
    return this.cachedVersion
  }

  /** Runs one bake with stdin closed (it must never wait on a prompt); judged by its exit code. */
  async bake(
    args: string[],
    options: { env: Record<string, string>; cwd: string; onLine?: (line: string) => void },
  ): Promise<DockerResult> {
    return this.cli.exec(args, options)
  }
}
