import type { DockerResult, DockerRunner } from './cli.js'
import { commandFailed } from './cli.js'
import { isNotFound } from './errors.js'
import { parseDockerJson } from './parse.js'
import { ImageInspectSchema, type ImageInspect } from './schemas.js'
import { z } from 'zod/v3'

/** Images in the local engine. */
export class ImageClient {
  constructor(private readonly cli: DockerRunner) {}

  /**
   * Tagged images with a label (`docker image ls --filter label=...`), inspected in one more call;
   * each image once, however many tags it has.
   */
  async listByLabel(label: string): Promise<ImageInspect[]> {
    const listed = await this.cli.run([
      'image',
      'ls',
      '--filter',
      `label=${label}`,
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ])
    const refs = [...new Set(listed.split('\n').filter((r) => r && !r.includes('<none>')))]
    if (refs.length === 0) return []
    const text = await this.cli.run(['image', 'inspect', '--', ...refs])
    const images = parseDockerJson(z.array(ImageInspectSchema), text, 'docker image inspect')
    return [...new Map(images.map((image) => [image.Id, image])).values()]
  }

  /** `docker pull`, its progress lines to onLine; the result for the caller to explain. */
  async pull(reference: string, onLine?: (line: string) => void): Promise<DockerResult> {
    return this.cli.exec(['pull', '--', reference], { onLine })
  }

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
