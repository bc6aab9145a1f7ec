import fs from 'node:fs'
import { spinEgressFromLabels } from '../bake/spin-egress-label.js'
import type { EgressConfig } from './config-schema.js'
import { buildPolicy, type EgressPolicy, type SourcedRules } from './policy.js'
import type { EgressMode } from './presets.js'
import type { EgressEdits } from './store.js'

/** What `run` was told about egress on its command line. */
export interface EgressFlags {
  egress?: EgressMode
  allowHost?: string[]
  denyHost?: string[]
}

export const DEFAULT_EGRESS_MODE: EgressMode = 'balanced'
export const DEFAULT_OUTWARD_NETWORK = 'caiged-egress'

/** The part of the user's config.json egress reads. */
type WithEgress = { egress?: EgressConfig }

/** The flag, then config, then balanced: safe by default. */
export function egressModeFor(flags: EgressFlags, config: WithEgress): EgressMode {
  return flags.egress ?? config.egress?.mode ?? DEFAULT_EGRESS_MODE
}

export function outwardNetwork(config: WithEgress): string {
  return config.egress?.network ?? DEFAULT_OUTWARD_NETWORK
}

/** API-key variables that say which provider a user has, when they pass them with --secret-env. */
const PROVIDER_KEY_VARS: Record<string, string> = {
  ANTHROPIC_API_KEY: 'anthropic',
  OPENAI_API_KEY: 'openai',
  GEMINI_API_KEY: 'google',
  GOOGLE_GENERATIVE_AI_API_KEY: 'google',
  OPENROUTER_API_KEY: 'openrouter',
  GROQ_API_KEY: 'groq',
  MISTRAL_API_KEY: 'mistral',
  DEEPSEEK_API_KEY: 'deepseek',
  XAI_API_KEY: 'xai',
  OPENCODE_API_KEY: 'opencode',
}

/** The provider of the model OpenCode uses when none is signed in: OpenCode Zen, on opencode.ai. */
export const DEFAULT_MODEL_PROVIDER = 'opencode'

/**
 * The model providers the agent will use: those signed in to in the host's OpenCode
 * auth.json (when it is copied in) and those whose API key is passed in; else the default one.
 */
export async function configuredProviders(
  authFile: string | undefined,
  secretEnvNames: string[],
): Promise<string[]> {
  const providers = new Set<string>()
  if (authFile) {
    try {
      const auth = JSON.parse(fs.readFileSync(authFile, 'utf8')) as unknown
      if (auth && typeof auth === 'object') for (const id of Object.keys(auth)) providers.add(id)
    } catch {
      // No auth.json, or one OpenCode cannot read either: no provider from it.
    }
  }
  for (const name of secretEnvNames) {
    const provider = PROVIDER_KEY_VARS[name]
    if (provider) providers.add(provider)
  }
  // Signed in nowhere, OpenCode answers the first prompt with its default free model: let it.
  if (providers.size === 0) providers.add(DEFAULT_MODEL_PROVIDER)
  return [...providers].sort()
}

/** Every source of an agent's policy, merged (see policy.ts buildPolicy for the rules of merging). */
export function policyFor(o: {
  mode: EgressMode
  providers: string[]
  spinLabels: Record<string, string>
  config: WithEgress
  /** The project's .caiged/config.json: its egress rules are a source of their own. */
  project?: { egress?: { allow?: string[]; deny?: string[] } }
  edits: EgressEdits
}): EgressPolicy {
  const sources: SourcedRules[] = [
    { source: 'spin', ...spinEgressFromLabels(o.spinLabels) },
    { source: 'user config', allow: o.config.egress?.allow, deny: o.config.egress?.deny },
    { source: 'project config', allow: o.project?.egress?.allow, deny: o.project?.egress?.deny },
    { source: 'flag', allow: o.edits.flags?.allow, deny: o.edits.flags?.deny },
    { source: 'egress allow/deny', allow: o.edits.allow, deny: o.edits.deny },
  ]
  return buildPolicy(o.mode, o.providers, sources)
}
