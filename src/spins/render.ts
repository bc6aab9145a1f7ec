import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { McpServerSchema, type SpinManifest } from './manifest.js'

/**
 * The opencode.json a spin implies, baked into its image layer at build time (the original
 * regenerated it with a shell heredoc at every start). The spin's AGENTS.md is installed as the
 * global instructions file, so it is added to OpenCode's own system prompt instead of replacing it;
 * the spin's primary agent carries the role's description and permissions and is the default.
 */
const PermissionValue = lazySchema(() => z.enum(['allow', 'ask', 'deny']))
export const OpencodeConfigSchema = lazySchema(() =>
  z.strictObject({
    $schema: z.literal('https://opencode.ai/config.json'),
    default_agent: z.string().min(1),
    autoupdate: z.literal(false),
    share: z.literal('disabled'),
    agent: z.record(
      z.string(),
      z.strictObject({
        description: z.string().min(1),
        mode: z.literal('primary'),
        permission: z
          .strictObject({
            edit: PermissionValue.optional(),
            bash: z.union([PermissionValue, z.record(z.string(), PermissionValue)]).optional(),
            webfetch: PermissionValue.optional(),
          })
          .optional(),
      }),
    ),
    mcp: z.record(z.string(), McpServerSchema).optional(),
  }),
)
export type OpencodeConfig = z.infer<typeof OpencodeConfigSchema>

export function agentName(spin: string, manifest: SpinManifest): string {
  return manifest.agent?.name ?? spin
}

export function renderOpencodeConfig(spin: string, manifest: SpinManifest): OpencodeConfig {
  const name = agentName(spin, manifest)
  const config: OpencodeConfig = {
    $schema: 'https://opencode.ai/config.json',
    default_agent: name,
    // The image pins the version the host client speaks; it must never update itself.
    autoupdate: false,
    // Sessions stay on the user's machine unless they share one explicitly.
    share: 'disabled',
    agent: {
      [name]: {
        description: manifest.agent?.description ?? manifest.description,
        mode: 'primary',
        ...(manifest.agent?.permission ? { permission: manifest.agent.permission } : {}),
      },
    },
    ...(manifest.mcp && Object.keys(manifest.mcp).length > 0 ? { mcp: manifest.mcp } : {}),
  }
  return OpencodeConfigSchema.parse(config)
}
