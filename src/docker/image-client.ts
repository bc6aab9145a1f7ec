import type { DockerCli } from './cli.js'
import { commandFailed } from './cli.js'
import { isNotFound } from './errors.js'
import { parseDockerJson } from './parse.js'
import { ImageInspectSchema, type ImageInspect } from './schemas.js'
import { z } from 'zod'

/** Images in the local engine. */
export class ImageClient {
  constructor(private readonly cli: DockerCli) {}

  /** The image, or undefined when there is none by that reference. */
  async inspect(reference: string): Promise<ImageInspect | undefined> {
    const args = ['image', 'inspect', '--', reference]
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0) {
      if (isNotFound(result.stderr)) return undefined
      throw commandFailed(args, result)
    }
    const [image] = parseDockerJson(z.array(ImageInspectSchema), result.stdout, 'docker image inspect')
    return image
  }
}
