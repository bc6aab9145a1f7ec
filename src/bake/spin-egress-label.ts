import { Label } from '../labels.js'

/** The label a spin image carries with its spin.yaml's egress rules (bake/plan.ts writes it). */
export function spinEgressLabel(egress: { allow?: string[]; deny?: string[] } | undefined): string {
  return JSON.stringify({ allow: egress?.allow ?? [], deny: egress?.deny ?? [] })
}

/** The spin's rules from its image's (or container's) labels: validated again when the policy is built. */
export function spinEgressFromLabels(labels: Record<string, string>): { allow: string[]; deny: string[] } {
  const text = labels[Label.spinEgress]
  if (!text) return { allow: [], deny: [] }
  try {
    const parsed = JSON.parse(text) as { allow?: unknown; deny?: unknown }
    const strings = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
    return { allow: strings(parsed.allow), deny: strings(parsed.deny) }
  } catch {
    return { allow: [], deny: [] }
  }
}
