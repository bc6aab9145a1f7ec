import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'

/**
 * The parts of docker's JSON output that caiged reads. Parsed, never trusted: a field docker
 * renames or drops becomes a clear error instead of an undefined deep inside a command.
 */

export const VersionSchema = lazySchema(() =>
  z.object({
    Client: z.object({ Version: z.string(), ApiVersion: z.string(), Context: z.string().optional() }),
    Server: z
      .object({
        Version: z.string(),
        ApiVersion: z.string(),
        MinAPIVersion: z.string().optional(),
        Os: z.string().optional(),
        Arch: z.string().optional(),
        Components: z
          .array(z.object({ Name: z.string(), Version: z.string() }))
          .nullish()
          .transform((c) => c ?? []),
      })
      .nullable(),
  }),
)
export type DockerVersion = z.infer<typeof VersionSchema>

export const InfoSchema = lazySchema(() =>
  z.object({
    ID: z.string(),
    Name: z.string().optional(),
    ServerVersion: z.string(),
    OperatingSystem: z.string().optional(),
    Architecture: z.string().optional(),
    NCPU: z.number().optional(),
    MemTotal: z.number().optional(),
    Driver: z.string().optional(),
    DriverStatus: z.array(z.array(z.string())).nullish(),
    DockerRootDir: z.string().optional(),
    SecurityOptions: z.array(z.string()).nullish(),
    ServerErrors: z.array(z.string()).nullish(),
    ClientInfo: z
      .object({
        Plugins: z.array(z.object({ Name: z.string(), Version: z.string().optional() })).nullish(),
      })
      .optional(),
  }),
)
export type DockerInfo = z.infer<typeof InfoSchema>

const Labels = lazySchema(() =>
  z
    .record(z.string(), z.string())
    .nullish()
    .transform((l) => l ?? {}),
)

const PortBindings = lazySchema(() =>
  z
    .record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable())
    .nullish()
    .transform((p) => p ?? {}),
)

export const ContainerInspectSchema = lazySchema(() =>
  z.object({
    Id: z.string(),
    Name: z.string().transform((n) => n.replace(/^\//, '')),
    Created: z.string(),
    Image: z.string(),
    State: z.object({
      Status: z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']),
      Running: z.boolean(),
      ExitCode: z.number(),
      StartedAt: z.string().optional(),
      FinishedAt: z.string().optional(),
      Health: z.object({ Status: z.string() }).nullish(),
    }),
    Config: z.object({
      Image: z.string(),
      Hostname: z.string().optional(),
      User: z.string().optional(),
      Labels,
      // Values are never printed: they hold the server password and the user's secrets.
      Env: z
        .array(z.string())
        .nullish()
        .transform((e) => e ?? []),
    }),
    HostConfig: z.object({
      PortBindings,
      Init: z.boolean().nullish(),
      CapDrop: z.array(z.string()).nullish(),
      CapAdd: z.array(z.string()).nullish(),
      SecurityOpt: z.array(z.string()).nullish(),
      Privileged: z.boolean().optional(),
    }),
    NetworkSettings: z.object({ Ports: PortBindings }),
    Mounts: z
      .array(
        z.object({
          Type: z.string(),
          Name: z.string().optional(),
          Source: z.string(),
          Destination: z.string(),
          RW: z.boolean(),
        }),
      )
      .nullish()
      .transform((m) => m ?? []),
  }),
)
export type ContainerInspect = z.infer<typeof ContainerInspectSchema>

export const ImageInspectSchema = lazySchema(() =>
  z.object({
    Id: z.string(),
    RepoTags: z
      .array(z.string())
      .nullish()
      .transform((t) => t ?? []),
    /** name@sha256:… for an image pulled from (or pushed to) a registry. */
    RepoDigests: z
      .array(z.string())
      .nullish()
      .transform((t) => t ?? []),
    Created: z.string().optional(),
    Size: z.number().optional(),
    Architecture: z.string().optional(),
    Os: z.string().optional(),
    Config: z
      .object({ Labels, User: z.string().optional(), Env: z.array(z.string()).nullish() })
      .nullish()
      .transform((c) => c ?? { Labels: {}, User: undefined, Env: [] }),
  }),
)
export type ImageInspect = z.infer<typeof ImageInspectSchema>

/** One line of `docker ps --format json`; Platform is an object since Docker 28 and null before. */
export const PsEntrySchema = lazySchema(() =>
  z.object({
    ID: z.string(),
    Names: z.string(),
    Image: z.string(),
    State: z.string(),
    Status: z.string(),
    Ports: z.string(),
    CreatedAt: z.string(),
    Labels: z.string(),
    Platform: z.union([z.object({ architecture: z.string(), os: z.string() }), z.null()]).optional(),
  }),
)
export type PsEntry = z.infer<typeof PsEntrySchema>
