import coerce from 'semver/functions/coerce.js'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { CaigedError, ExitCode } from '../errors.js'
import { lastLine } from '../text.js'
import type { DockerResult, DockerRunner } from './cli.js'
import { parseDockerJson } from './parse.js'

const ImageConfigSchema = lazySchema(() =>
  z.object({
    architecture: z.string().optional(),
    os: z.string().optional(),
    config: z
      .object({ Labels: z.record(z.string(), z.string()).nullish() })
      .nullish()
      .transform((c) => ({ Labels: c?.Labels ?? {} })),
  }),
)
type ImageConfig = z.infer<typeof ImageConfigSchema>
const RemoteImageSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    manifest: z.object({ mediaType: z.string(), digest: z.string() }),
    // One config for a single manifest, or one per platform ("linux/amd64") for an index.
    // The per-platform map first: a single config's schema would also accept a map (and drop it).
    image: z.union([
      z.record(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+/), ImageConfigSchema),
      ImageConfigSchema,
    ]),
  }),
)

/** A published image as its registry describes it: read without pulling a layer. */
export interface RemoteImage {
  digest: string
  /** Each platform's config labels ("linux/amd64" → labels). */
  platforms: Record<string, Record<string, string>>
}

export type RemoteLookup =
  | { found: RemoteImage }
  | { missing: true }
  /** The registry could not be reached (or refused the connection): said, never fatal. */
  | { unreachable: string }
  /** The registry wants credentials docker does not have. */
  | { unauthorized: string }

export function classifyRegistryFailure(stderr: string): RemoteLookup {
  if (/\bnot found\b|manifest unknown|name unknown/i.test(stderr)) return { missing: true }
  if (/no basic auth credentials|unauthorized|authentication required|denied/i.test(stderr))
    return { unauthorized: lastLine(stderr).replace(/^ERROR:\s*/, '') }
  return { unreachable: lastLine(stderr).replace(/^ERROR:\s*/, '') }
}

/** BuildKit through `docker buildx`. */
export class BuildxClient {
  private cachedVersion: string | undefined

  constructor(private readonly cli: DockerRunner) {}

  /** buildx's version, e.g. "0.29.1"; a missing buildx plugin is a clear error. */
  async version(): Promise<string> {
    if (this.cachedVersion) return this.cachedVersion
    const result = await this.cli.exec(['buildx', 'version'])
    // "github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4" or "github.com/docker/buildx v0.17.1 abc123"
    const version = coerce(result.stdout.split(/\s+/)[1] ?? '')
    if (result.exitCode !== 0 || version === null) {
      throw new CaigedError('Docker buildx is not available (`docker buildx version` failed).', {
        exitCode: ExitCode.Docker,
        hint: 'Install the buildx plugin (Debian: docker-buildx; Docker Desktop ships it): https://docs.docker.com/build/',
      })
    }
    this.cachedVersion = version.version
    return this.cachedVersion
  }

  /**
   * A published image's digest and labels, in one registry request and no pull
   * (`docker buildx imagetools inspect`, which uses docker's own credentials).
   */
  async inspectRemote(ref: string): Promise<RemoteLookup> {
    const result = await this.cli.exec(['buildx', 'imagetools', 'inspect', ref, '--format', '{{json .}}'], {
      signal: AbortSignal.timeout(30_000),
    })
    if (result.exitCode !== 0) return classifyRegistryFailure(result.stderr || `exit ${result.exitCode}`)
    const parsed = parseDockerJson(RemoteImageSchema, result.stdout, 'docker buildx imagetools inspect')
    const image = parsed.image
    const platforms: Record<string, Record<string, string>> = 'config' in image &&
    typeof image.config === 'object' &&
    'Labels' in (image.config as object)
      ? {
          [`${(image as ImageConfig).os ?? 'linux'}/${(image as ImageConfig).architecture ?? 'amd64'}`]: (
            image as ImageConfig
          ).config.Labels,
        }
      : Object.fromEntries(
          Object.entries(image as Record<string, ImageConfig>).map(([p, c]) => [p, c.config.Labels]),
        )
    return { found: { digest: parsed.manifest.digest, platforms } }
  }

  /** The uid layer over a published image (docker/Dockerfile.uid), loaded into the engine. */
  async buildUidLayer(o: {
    from: string
    tag: string
    uid: number
    gid: number
    context: string
    onLine?: (line: string) => void
  }): Promise<void> {
    const args = [
      'buildx',
      'build',
      '--load',
      '--progress',
      'plain',
      '--provenance=false',
      '-f',
      `${o.context}/Dockerfile.uid`,
      '--build-arg',
      `PUBLISHED_IMAGE=${o.from}`,
      '--build-arg',
      `AGENT_UID=${o.uid}`,
      '--build-arg',
      `AGENT_GID=${o.gid}`,
      '-t',
      o.tag,
      o.context,
    ]
    const result = await this.cli.exec(args, { onLine: o.onLine })
    if (result.exitCode !== 0) {
      throw new CaigedError(`Could not add the uid layer to ${o.from}: ${lastLine(result.stderr)}`)
    }
  }

  /** Runs one bake with stdin closed (it must never wait on a prompt); judged by its exit code. */
  async bake(
    args: string[],
    options: { env: Record<string, string>; cwd: string; onLine?: (line: string) => void },
  ): Promise<DockerResult> {
    return this.cli.exec(args, options)
  }
}
