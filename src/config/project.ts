import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { HostRules } from '../egress/config-schema.js'
import { EGRESS_MODES } from '../egress/presets.js'
import { DebianPackages } from '../spins/manifest.js'
import { SPIN_NAME_PATTERN } from '../spins/names.js'
import {
  GithubSchema,
  IdleSchema,
  PublishPorts,
  WORKSPACE_MODES,
  ResourcesSchema,
  SecretEnvNames,
  type UserConfig,
} from './schema.js'
import { readConfigFile } from './store.js'

/**
 * A path of the project, from its root, that the copy leaves out (tar's patterns: `data` is the
 * folder data at the root and all under it, `*.iso` any .iso file at any depth).
 */
const CopyExcludePattern = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(200)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the project')
    .refine((p) => !/[\0\n\r]/.test(p), 'must be one line'),
)

/** The project's own settings, committed with it beside .caiged/spins/. */
export const PROJECT_CONFIG_FILE = path.join('.caiged', 'config.json')

/**
 * .caiged/config.json: what a team commits for everyone who runs the project. Strict like the
 * user's config. What would widen what the agent gets (the Docker socket, secrets, a writable
 * GitHub config, open egress) is allowed only with the user's say, asked once per project.
 */
export const ProjectConfigSchema = lazySchema(() =>
  z.strictObject({
    defaultSpin: z.string().regex(SPIN_NAME_PATTERN, 'must be a spin name such as dev').optional(),
    /** Debian packages the project's tools need, added to the spin's in an image of the project's own. */
    packages: DebianPackages.optional(),
    egress: z
      .strictObject({
        mode: z.enum(EGRESS_MODES).optional(),
        allow: HostRules.optional(),
        deny: HostRules.optional(),
      })
      .optional(),
    publish: PublishPorts.optional(),
    resources: ResourcesSchema.optional(),
    github: GithubSchema.optional(),
    idle: IdleSchema.optional(),
    workspace: z.enum(WORKSPACE_MODES).optional(),
    /** What --workspace copy leaves out of the agent's copy (and so out of diff and apply). */
    copy: z.strictObject({ exclude: z.array(CopyExcludePattern).max(100).optional() }).optional(),
    // Widening: each needs the user's consent.
    dockerSocket: z.boolean().optional(),
    secretEnv: SecretEnvNames.optional(),
    mounts: z.strictObject({ gh: z.enum(['ro', 'rw', 'none']).optional() }).optional(),
  }),
)
export type ProjectConfig = z.infer<typeof ProjectConfigSchema>

/** The project's config, or undefined when it has none; an invalid one names the field. */
export async function loadProjectConfig(
  workdir: string,
): Promise<{ file: string; config: ProjectConfig } | undefined> {
  const file = path.join(workdir, PROJECT_CONFIG_FILE)
  const config = await readConfigFile(
    file,
    ProjectConfigSchema,
    'It holds defaultSpin, packages, egress (mode, allow, deny), publish, resources, github.scope, idle.stopAfter, workspace, copy.exclude, and, with your consent, dockerSocket, secretEnv and mounts.gh.',
  )
  return config && { file, config }
}

/** What the project's config asks for beyond what caiged gives an agent by default, in words. */
export function wideningAsks(config: ProjectConfig): string[] {
  const asks: string[] = []
  if (config.dockerSocket) asks.push('the Docker socket (root on this machine)')
  if (config.secretEnv?.length) asks.push(`the secret env vars ${config.secretEnv.join(', ')}`)
  if (config.mounts?.gh === 'rw') asks.push('your GitHub CLI config, writable')
  if (config.egress?.mode === 'open') asks.push('open egress (no policy)')
  if (config.github?.scope === 'any') asks.push("your GitHub token's full reach (github.scope any)")
  return asks
}

/** Per project (folder), the widening its config asked for that the user allowed. */
const ConsentsSchema = lazySchema(() => z.record(z.string(), z.string()))

/** A short value for exactly these asks: when the file asks for more, the user is asked again. */
export const asksHash = (asks: string[]): string =>
  createHash('sha256').update(JSON.stringify(asks)).digest('hex').slice(0, 16)

export async function hasConsent(file: string, workdir: string, asks: string[]): Promise<boolean> {
  const consents = await readConsents(file)
  return consents[workdir] === asksHash(asks)
}

export async function rememberConsent(file: string, workdir: string, asks: string[]): Promise<void> {
  const consents = { ...(await readConsents(file)), [workdir]: asksHash(asks) }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, JSON.stringify(consents, null, 2) + '\n', { mode: 0o600 })
  await fs.rename(tmp, file)
}

async function readConsents(file: string): Promise<Record<string, string>> {
  try {
    const parsed = ConsentsSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')))
    return parsed.success ? parsed.data : {}
  } catch {
    return {}
  }
}

/** How strict each mode is: a project may tighten the user's choice freely, loosen it only to open (asked). */
const STRICTNESS = { open: 0, balanced: 1, locked: 2 } as const

/**
 * The settings a run uses: the project's over the user's for its default spin, limits, GitHub
 * mount and github.scope (`any` consented); its secret names added; its egress mode only where it is stricter, or open (consented).
 * Its egress rules stay apart: they are a source of their own in the policy.
 */
export function withProjectConfig(user: UserConfig, project: ProjectConfig): UserConfig {
  const userMode = user.egress?.mode
  const projectMode = project.egress?.mode
  const mode =
    projectMode === undefined
      ? userMode
      : projectMode === 'open' || userMode === undefined || STRICTNESS[projectMode] > STRICTNESS[userMode]
        ? projectMode
        : userMode
  return {
    ...user,
    defaultSpin: project.defaultSpin ?? user.defaultSpin,
    resources: { ...user.resources, ...project.resources },
    secretEnv: [...(user.secretEnv ?? []), ...(project.secretEnv ?? [])],
    mounts: { ...user.mounts, ...(project.mounts?.gh ? { gh: project.mounts.gh } : {}) },
    egress: { ...user.egress, ...(mode ? { mode } : {}) },
    github: { ...user.github, ...project.github },
    idle: { ...user.idle, ...project.idle },
    workspace: project.workspace ?? user.workspace,
  }
}
