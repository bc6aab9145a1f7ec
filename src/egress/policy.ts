import { createHash } from 'node:crypto'
import {
  GIT_HOSTS,
  OPENCODE_HOSTS,
  PACKAGE_REGISTRY_HOSTS,
  PROVIDER_HOSTS,
  type EgressMode,
} from './presets.js'
import {
  DEFAULT_PORTS,
  formatHostRule,
  isIpRule,
  isWildcard,
  parseHostRule,
  ruleMatches,
  sameRule,
  type HostRule,
} from './rules.js'

/** Where a rule came from, as `egress` and `containers list` show it. */
export type RuleSource = 'preset' | 'spin' | 'user config' | 'project config' | 'flag' | 'egress allow/deny'

export interface SourcedRules {
  source: RuleSource
  allow?: string[]
  deny?: string[]
}

export interface PolicyRule {
  rule: HostRule
  effect: 'allow' | 'deny'
  source: RuleSource
}

/** The merged policy a container's gateway enforces. `open` has no gateway and no rules. */
export interface EgressPolicy {
  mode: EgressMode
  rules: PolicyRule[]
  /** Provider ids signed in to that caiged knows no host for (the user allows them by hand). */
  unknownProviders: string[]
}

/** The hosts a preset allows, given the providers the user has signed in to (auth.json keys). */
export function presetHosts(mode: EgressMode, providers: string[]): { hosts: string[]; unknown: string[] } {
  if (mode === 'open') return { hosts: [], unknown: [] }
  const known = providers.filter((p) => PROVIDER_HOSTS[p])
  const unknown = providers.filter((p) => !PROVIDER_HOSTS[p])
  const model = known.flatMap((p) => PROVIDER_HOSTS[p] as string[])
  const hosts =
    mode === 'locked' ? model : [...model, ...OPENCODE_HOSTS, ...PACKAGE_REGISTRY_HOSTS, ...GIT_HOSTS]
  return { hosts: [...new Set(hosts)], unknown }
}

/**
 * Merges the preset with the other sources (spin.yaml, user config, project config, flags, live
 * edits). Every rule is parsed here, so a bad one is refused before anything is made. Deny wins
 * whatever its source; a rule given twice is kept once, from its first source.
 */
export function buildPolicy(mode: EgressMode, providers: string[], sources: SourcedRules[]): EgressPolicy {
  const preset = presetHosts(mode, providers)
  const rules: PolicyRule[] = []
  const add = (texts: string[] | undefined, effect: PolicyRule['effect'], source: RuleSource) => {
    for (const text of texts ?? []) {
      const rule = parseHostRule(text)
      if (!rules.some((r) => r.effect === effect && sameRule(r.rule, rule)))
        rules.push({ rule, effect, source })
    }
  }
  add(preset.hosts, 'allow', 'preset')
  for (const s of sources) {
    add(s.allow, 'allow', s.source)
    add(s.deny, 'deny', s.source)
  }
  return { mode, rules: mode === 'open' ? [] : rules, unknownProviders: preset.unknown }
}

/** What the policy decides for one destination (deny wins; raw IPs only when listed). */
export function decideDestination(policy: EgressPolicy, host: string, port: number): 'allowed' | 'denied' {
  if (policy.mode === 'open') return 'allowed'
  const hits = policy.rules.filter((r) => ruleMatches(r.rule, host, port))
  if (hits.some((r) => r.effect === 'deny')) return 'denied'
  return hits.some((r) => r.effect === 'allow') ? 'allowed' : 'denied'
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A squid ACL matching a rule's host by its text (-n: never by a DNS lookup of an IP). */
function hostAcl(name: string, rule: HostRule): string {
  if (isWildcard(rule)) return `acl ${name} dstdom_regex -n -i ^.+\\.${escapeRegex(rule.host.slice(2))}$`
  if (isIpRule(rule)) return `acl ${name} dstdom_regex -n ^${escapeRegex(rule.host)}$`
  return `acl ${name} dstdomain -n ${rule.host}`
}

/**
 * The policy as squid configuration, included by the gateway's squid.conf (whose last line denies
 * all). Order carries the semantics: denies first, then IP literals that are listed, then a deny of
 * every other IP literal, then the host rules. Each rule's port is its own ACL: `host:22` opens 22
 * to that host only.
 */
export function squidRules(policy: EgressPolicy): string {
  const lines = [`# caiged egress policy: ${policy.mode}`]
  const emit = (r: PolicyRule, i: number) => {
    const name = `caiged_${r.effect}_${i}`
    lines.push(`# ${r.effect} ${formatHostRule(r.rule)} (${r.source})`)
    lines.push(hostAcl(name, r.rule))
    lines.push(`acl ${name}_port port ${r.rule.port ?? DEFAULT_PORTS.join(' ')}`)
    lines.push(`http_access ${r.effect} ${name} ${name}_port`)
  }
  policy.rules.forEach((r, i) => r.effect === 'deny' && emit(r, i))
  policy.rules.forEach((r, i) => r.effect === 'allow' && isIpRule(r.rule) && emit(r, i))
  lines.push('http_access deny caiged_ip_literal')
  policy.rules.forEach((r, i) => r.effect === 'allow' && !isIpRule(r.rule) && emit(r, i))
  return lines.join('\n') + '\n'
}

/** A short value that changes whenever what the gateway enforces does. */
export function policyHash(policy: EgressPolicy): string {
  return createHash('sha256').update(squidRules(policy)).digest('hex').slice(0, 16)
}
