import { z } from 'zod/v3'
import { parsePublish } from '../containers/publish.js'
import { EgressConfigSchema } from '../egress/config-schema.js'
import { parsedBy } from '../parsed-by.js'
import { SPIN_NAME_PATTERN } from '../spins/names.js'
import { parseSecretMark } from '../egress/credentials.js'
import { GITHUB_SCOPES } from '../egress/github-scope.js'
import { parseIdleDuration } from '../containers/idle.js'

/** A registry host (with an optional port) and namespace path: where published images live. */
export const REGISTRY_PATH = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/

/** Dev-server ports to publish on 127.0.0.1, "PORT[:HOSTPORT]" each. */
export const PublishPorts = z.array(parsedBy(parsePublish))

/** Env var names, each optionally marked NAME@HOST: injected by the gateway for that host only. */
export const SecretEnvNames = z.array(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(?:@\S+)?$/, 'must be an env var name, or NAME@HOST')
    .superRefine((entry, ctx) => {
      try {
        parseSecretMark(entry)
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message })
      }
    }),
)

/** When an agent nobody uses stops by itself (containers/idle.ts): 30m, 1h, 0 for never. */
export const IdleSchema = z.strictObject({
  stopAfter: parsedBy((text) => parseIdleDuration(text, 'idle.stopAfter')).optional(),
})

/** How the agent gets the project: bind-mounted, or a copy in a volume of its own (caiged diff/apply). */
export const WORKSPACE_MODES = ['bind', 'copy'] as const
export type WorkspaceMode = (typeof WORKSPACE_MODES)[number]

/** How far the GitHub token the gateway injects reaches (egress/github-scope.ts). */
export const GithubSchema = z.strictObject({ scope: z.enum(GITHUB_SCOPES).optional() })

/** docker run limits, in the user's config or the project's. */
export const ResourcesSchema = z.strictObject({
  memory: z
    .string()
    .regex(/^\d+(\.\d+)?[kmg]?b?$/i, 'must be a size docker understands, e.g. 4g or 512m')
    .optional(),
  cpus: z.number().positive().max(1024).optional(),
  pids: z.number().int().min(16).optional(),
})

/**
 * $XDG_CONFIG_HOME/caiged/config.json: defaults a user sets once. Strict: a field caiged does not
 * know is an error naming it, never silently ignored (a typo must not drop a safety setting).
 */
export const UserConfigSchema = z.strictObject({
  defaultSpin: z.string().regex(SPIN_NAME_PATTERN, 'must be a spin name such as dev').optional(),
  mounts: z
    .strictObject({
      gh: z.enum(['ro', 'rw', 'none']).optional(),
      opencodeAuth: z.boolean().optional(),
    })
    .optional(),
  secretEnv: SecretEnvNames.optional(),
  git: z
    .strictObject({
      identity: z.enum(['host', 'agent', 'none']).optional(),
      agent: z
        .strictObject({ name: z.string().trim().min(1), email: z.string().trim().min(3).includes('@') })
        .optional(),
      sshKey: z.string().min(1).optional(),
    })
    .optional(),
  images: z
    .strictObject({
      registry: z
        .string()
        .regex(
          REGISTRY_PATH,
          'must be a registry and namespace, e.g. ghcr.io/me or registry.example:5000/team',
        )
        .optional(),
      pull: z.enum(['missing', 'always', 'never']).optional(),
    })
    .optional(),
  egress: EgressConfigSchema.optional(),
  github: GithubSchema.optional(),
  idle: IdleSchema.optional(),
  workspace: z.enum(WORKSPACE_MODES).optional(),
  publish: PublishPorts.optional(),
  resources: ResourcesSchema.optional(),
})
export type UserConfig = z.infer<typeof UserConfigSchema>
export type PullPolicy = NonNullable<NonNullable<UserConfig['images']>['pull']>

/** The settable keys, as dot paths, for `caiged config set`. */
export const CONFIG_KEYS = [
  'defaultSpin',
  'mounts.gh',
  'mounts.opencodeAuth',
  'secretEnv',
  'git.identity',
  'git.agent.name',
  'git.agent.email',
  'git.sshKey',
  'images.registry',
  'images.pull',
  'egress.mode',
  'egress.allow',
  'egress.deny',
  'egress.network',
  'egress.upstreamCA',
  'github.scope',
  'idle.stopAfter',
  'workspace',
  'publish',
  'resources.memory',
  'resources.cpus',
  'resources.pids',
] as const

export function configProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.map(String).join('.')
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k))
      return `unknown field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`
    }
    return `${where || '(top level)'}: ${issue.message}`
  })
}

/** A value at a dot path of a plain object. */
export function getPath(object: unknown, dotPath: string): unknown {
  return dotPath
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      object,
    )
}

/** A copy of object with the value at dotPath set (undefined removes it, and parents left empty). */
export function setPath(
  object: Record<string, unknown>,
  dotPath: string,
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = dotPath.split('.') as [string, ...string[]]
  const child =
    object[head] && typeof object[head] === 'object' ? (object[head] as Record<string, unknown>) : {}
  const next = rest.length === 0 ? value : setPath(child, rest.join('.'), value)
  const empty = next === undefined || (rest.length > 0 && Object.keys(next as object).length === 0)
  return Object.fromEntries([
    ...Object.entries(object).filter(([key]) => key !== head),
    ...(empty ? [] : [[head, next]]),
  ])
}
