import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'

import { HostRules } from '../egress/config-schema.js'
import { SPIN_NAME_PATTERN } from './names.js'

export { MAX_SPIN_NAME_LENGTH, SPIN_NAME_PATTERN } from './names.js'
/** OpenCode's rule for skill names (they must also equal their folder's name). */
export const SKILL_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/
/** A Debian package, optionally pinned: "jq" or "jq=1.6-2.1". Nothing a shell could misread. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/

/** Debian packages to install into an image, each "name" or "name=version" (validated before apt sees it). */
export const DebianPackages = lazySchema(() =>
  z.array(z.string().regex(DEBIAN_PACKAGE, 'must be a Debian package name, optionally "name=version"')),
)
const MCP_NAME = /^[A-Za-z0-9_-]+$/

const PermissionValue = lazySchema(() => z.enum(['allow', 'ask', 'deny']))

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol)
  } catch {
    return false
  }
}

// discriminatedUnion reads its options' shapes when built: they are built here with it.
export const McpServerSchema = lazySchema(() => {
  const local = z.strictObject({
    type: z.literal('local'),
    command: z.array(z.string().min(1)).min(1, 'needs the program to run and its arguments'),
    environment: z.record(z.string(), z.string()).optional(),
    enabled: z.boolean().optional(),
    timeout: z.number().int().positive().optional(),
  })
  const remote = z.strictObject({
    type: z.literal('remote'),
    url: z.string().refine(isHttpUrl, 'must be an http(s) URL'),
    headers: z.record(z.string(), z.string()).optional(),
    enabled: z.boolean().optional(),
    timeout: z.number().int().positive().optional(),
  })
  return z.discriminatedUnion('type', [local, remote])
})
export type McpServer = z.infer<typeof McpServerSchema>

/** spin.yaml: what a spin declares beyond its AGENTS.md and skills. Unknown fields are errors. */
export const SpinManifestSchema = lazySchema(() =>
  z.strictObject({
    description: z.string().trim().min(1).max(200),
    agent: z
      .strictObject({
        name: z.string().regex(SPIN_NAME_PATTERN, 'must match ^[a-z0-9][a-z0-9_-]*$').optional(),
        description: z.string().trim().min(1).max(1024).optional(),
        permission: z
          .strictObject({
            edit: PermissionValue.optional(),
            bash: z.union([PermissionValue, z.record(z.string().min(1), PermissionValue)]).optional(),
            webfetch: PermissionValue.optional(),
          })
          .optional(),
      })
      .optional(),
    packages: DebianPackages.optional(),
    /** Hosts the spin's tools need (added to the agent's egress policy), or must never reach. */
    egress: z.strictObject({ allow: HostRules.optional(), deny: HostRules.optional() }).optional(),
    mcp: z
      .record(
        z.string().regex(MCP_NAME, 'MCP server names use letters, digits, "_" and "-"'),
        McpServerSchema,
      )
      .optional(),
  }),
)
export type SpinManifest = z.infer<typeof SpinManifestSchema>

export const SkillFrontMatterSchema = lazySchema(() =>
  z
    .object({
      name: z
        .string()
        .max(64, 'must be at most 64 characters')
        .regex(
          SKILL_NAME_PATTERN,
          'must match ^[a-z0-9]+(-[a-z0-9]+)*$ (lower-case words joined by single "-")',
        ),
      description: z.string().trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
    })
    .passthrough(),
)
