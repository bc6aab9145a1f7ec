import type { DockerRunner } from './cli.js'
import { isNotFound } from './errors.js'
import { commandFailed } from './cli.js'

/** Named volumes: where each container's OpenCode sessions live. */
export class VolumeClient {
  constructor(private readonly cli: DockerRunner) {}

  async exists(name: string): Promise<boolean> {
    const result = await this.cli.exec(['volume', 'inspect', '--', name])
    if (result.exitCode === 0) return true
    if (isNotFound(result.stderr)) return false
    throw commandFailed(['volume', 'inspect'], result)
  }

  /** Removes a volume; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const result = await this.cli.exec(['volume', 'rm', '--', name])
    if (result.exitCode === 0) return true
    if (isNotFound(result.stderr)) return false
    throw commandFailed(['volume', 'rm'], result)
  }
}
