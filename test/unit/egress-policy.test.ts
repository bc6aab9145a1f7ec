import { describe, expect, it } from 'vitest'
import {
  deniedReport,
  GITHUB_SCOPE_FIX,
  parseEgressLine,
  summarize,
  withFixes,
} from '../../src/egress/log.js'
import {
  buildPolicy,
  decideDestination,
  policyHash,
  presetHosts,
  squidRules,
} from '../../src/egress/policy.js'
import { spinEgressFromLabels } from '../../src/bake/spin-egress-label.js'
import { configuredProviders, egressModeFor, policyFor } from '../../src/egress/resolve.js'
import { formatHostRule, parseHostRule, ruleMatches } from '../../src/egress/rules.js'
import { UserConfigSchema } from '../../src/config/schema.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

describe('parseHostRule', () => {
  it.each([
    ['api.example.com', { host: 'api.example.com' }],
    ['API.Example.com', { host: 'api.example.com' }],
    ['*.example.com', { host: '*.example.com' }],
    ['git.example.com:22', { host: 'git.example.com', port: 22 }],
    ['10.0.0.5:5432', { host: '10.0.0.5', port: 5432 }],
    ['model.test:4300', { host: 'model.test', port: 4300 }],
  ])('reads %s', (text, rule) => {
    expect(parseHostRule(text)).toEqual(rule)
    expect(formatHostRule(parseHostRule(text))).toBe(text.toLowerCase())
  })

  it.each([
    ['*', 'it names no host'],
    ['', 'it names no host'],
    ['*.com', 'a wildcard must be below a domain'],
    ['exa mple.com', 'that is not a host name'],
    ['a.com;http_access allow all', 'that is not a host name'],
    ['a.*.com', 'that is not a host name'],
    ['a.com:0', 'the port must be 1-65535'],
    ['a.com:65536', 'the port must be 1-65535'],
    ['a.com:ssh', 'the port must be 1-65535'],
    ['300.1.1.1', 'that is not an IPv4 address'],
    ['[::1]:443', 'IPv6 addresses are not supported'],
    ['::1', 'IPv6 addresses are not supported'],
  ])('refuses %j: %s', (text, why) => {
    expect(() => parseHostRule(text)).toThrow(why)
  })
})

describe('ruleMatches', () => {
  it('covers 80 and 443 without a port, and only its port with one', () => {
    expect(ruleMatches({ host: 'a.com' }, 'a.com', 443)).toBe(true)
    expect(ruleMatches({ host: 'a.com' }, 'a.com', 80)).toBe(true)
    expect(ruleMatches({ host: 'a.com' }, 'a.com', 22)).toBe(false)
    expect(ruleMatches({ host: 'a.com', port: 22 }, 'a.com', 22)).toBe(true)
    expect(ruleMatches({ host: 'a.com', port: 22 }, 'a.com', 443)).toBe(false)
  })

  it('matches subdomains with *.domain, never the apex or a look-alike', () => {
    const rule = { host: '*.example.com' }
    expect(ruleMatches(rule, 'api.example.com', 443)).toBe(true)
    expect(ruleMatches(rule, 'a.b.example.com', 443)).toBe(true)
    expect(ruleMatches(rule, 'example.com', 443)).toBe(false)
    expect(ruleMatches(rule, 'badexample.com', 443)).toBe(false)
  })
})

describe('presets and merging', () => {
  it('balanced: the providers signed in to, the model catalogue, registries and git hosts (ssh included)', () => {
    const { hosts, unknown } = presetHosts('balanced', ['anthropic', 'my-own-llm'])
    expect(hosts).toContain('api.anthropic.com')
    expect(hosts).not.toContain('api.openai.com')
    expect(hosts).toEqual(
      expect.arrayContaining(['models.dev', 'registry.npmjs.org', 'pypi.org', 'github.com:22']),
    )
    expect(unknown).toEqual(['my-own-llm'])
  })

  it('locked: the model providers only', () => {
    expect(presetHosts('locked', ['openai']).hosts).toEqual([
      'api.openai.com',
      'auth.openai.com',
      'chatgpt.com',
    ])
    expect(presetHosts('locked', []).hosts).toEqual([])
  })

  it('deny wins over any allow, from any source; raw IPs only when listed', () => {
    const policy = buildPolicy(
      'balanced',
      [],
      [
        { source: 'spin', allow: ['*.corp.example'] },
        { source: 'user config', deny: ['secret.corp.example', 'registry.npmjs.org'] },
        { source: 'flag', allow: ['secret.corp.example', '10.1.2.3:5432'] },
      ],
    )
    expect(decideDestination(policy, 'wiki.corp.example', 443)).toBe('allowed')
    expect(decideDestination(policy, 'secret.corp.example', 443)).toBe('denied')
    expect(decideDestination(policy, 'registry.npmjs.org', 443)).toBe('denied')
    expect(decideDestination(policy, 'pypi.org', 443)).toBe('allowed')
    expect(decideDestination(policy, '10.1.2.3', 5432)).toBe('allowed')
    expect(decideDestination(policy, '10.1.2.4', 443)).toBe('denied')
    expect(decideDestination(policy, 'elsewhere.example', 443)).toBe('denied')
  })

  it('keeps a rule given twice once, from its first source', () => {
    const policy = buildPolicy(
      'locked',
      [],
      [
        { source: 'spin', allow: ['a.example'] },
        { source: 'flag', allow: ['A.example'] },
      ],
    )
    expect(policy.rules).toEqual([{ rule: { host: 'a.example' }, effect: 'allow', source: 'spin' }])
  })

  it('open has no rules at all (and no gateway)', () => {
    expect(buildPolicy('open', ['anthropic'], [{ source: 'flag', allow: ['a.example'] }]).rules).toEqual([])
  })

  it('merges spin, user config, the latest run’s flags and egress allow/deny', () => {
    const policy = policyFor({
      mode: 'locked',
      providers: [],
      spinLabels: { 'io.caiged.spin-egress': '{"allow":["spin.example"],"deny":[]}' },
      config: { egress: { allow: ['config.example'] } },
      edits: {
        allow: ['edit.example'],
        deny: ['spin.example'],
        flags: { allow: ['flag.example'], deny: [] },
      },
    })
    expect(policy.rules.map((r) => `${r.effect} ${formatHostRule(r.rule)} ${r.source}`)).toEqual([
      'allow spin.example spin',
      'allow config.example user config',
      'allow flag.example flag',
      'allow edit.example egress allow/deny',
      'deny spin.example egress allow/deny',
    ])
    expect(decideDestination(policy, 'spin.example', 443)).toBe('denied')
  })

  it('takes the mode from the flag, then config, then balanced', () => {
    expect(egressModeFor({}, {})).toBe('balanced')
    expect(egressModeFor({}, { egress: { mode: 'locked' } })).toBe('locked')
    expect(egressModeFor({ egress: 'open' }, { egress: { mode: 'locked' } })).toBe('open')
  })

  it('reads a spin’s rules from its image label, and nothing from a missing or broken one', () => {
    expect(
      spinEgressFromLabels({ 'io.caiged.spin-egress': '{"allow":["a.example"],"deny":["b.example"]}' }),
    ).toEqual({
      allow: ['a.example'],
      deny: ['b.example'],
    })
    expect(spinEgressFromLabels({})).toEqual({ allow: [], deny: [] })
    expect(spinEgressFromLabels({ 'io.caiged.spin-egress': 'not json' })).toEqual({ allow: [], deny: [] })
  })

  it('finds the providers from auth.json and from API keys passed in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-auth-'))
    const auth = path.join(dir, 'auth.json')
    fs.writeFileSync(auth, JSON.stringify({ anthropic: { type: 'oauth' }, openrouter: { type: 'api' } }))
    expect(await configuredProviders(auth, ['OPENAI_API_KEY', 'JFROG_TOKEN'])).toEqual([
      'anthropic',
      'openai',
      'openrouter',
    ])
    fs.rmSync(dir, { recursive: true })
  })

  it("lets a new user's first prompt through: signed in nowhere, the default model's host is allowed", async () => {
    const providers = await configuredProviders(path.join(os.tmpdir(), 'caiged-no-such-auth.json'), [])
    expect(providers).toEqual(['opencode'])
    const policy = policyFor({
      mode: 'balanced',
      providers,
      spinLabels: {},
      config: {},
      edits: { allow: [], deny: [] },
    })
    expect(decideDestination(policy, 'opencode.ai', 443)).toBe('allowed')
    // Signed in elsewhere, the free model's host is not opened for nothing.
    expect(await configuredProviders(undefined, ['ANTHROPIC_API_KEY'])).toEqual(['anthropic'])
  })

  it('validates config rules like flags, naming the field', () => {
    const parsed = UserConfigSchema.safeParse({ egress: { allow: ['ok.example', 'bad host'] } })
    expect(parsed.success).toBe(false)
    expect(JSON.stringify(parsed.error?.issues[0]?.path)).toBe('["egress","allow",1]')
  })
})

describe('squidRules', () => {
  const policy = buildPolicy(
    'locked',
    [],
    [{ source: 'flag', allow: ['a.example', '*.b.example:8443', '10.0.0.5:22'], deny: ['x.a.example'] }],
  )
  const text = squidRules(policy)

  it('puts denies first, then listed IPs, then the refusal of any other IP, then host rules', () => {
    const order = [
      'http_access deny caiged_deny_',
      'http_access allow caiged_allow_2',
      'http_access deny caiged_ip_literal',
      'http_access allow caiged_allow_0',
    ]
    const at = order.map((line) => text.indexOf(line))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
  })

  it('matches hosts by their text, never by a DNS lookup (-n), ports by their own ACL', () => {
    expect(text).toContain('acl caiged_allow_0 dstdomain -n a.example')
    expect(text).toContain('acl caiged_allow_0_port port 80 443')
    expect(text).toContain('acl caiged_allow_1 dstdom_regex -n -i ^.+\\.b\\.example$')
    expect(text).toContain('acl caiged_allow_1_port port 8443')
    expect(text).toContain('acl caiged_allow_2 dstdom_regex -n ^10\\.0\\.0\\.5$')
    expect(text).toContain('http_access deny caiged_deny_3 caiged_deny_3_port')
  })

  it('changes its hash exactly when what it enforces changes', () => {
    const same = buildPolicy(
      'locked',
      [],
      [{ source: 'flag', allow: ['a.example', '*.b.example:8443', '10.0.0.5:22'], deny: ['x.a.example'] }],
    )
    expect(policyHash(same)).toBe(policyHash(policy))
    expect(policyHash(buildPolicy('locked', [], [{ source: 'flag', allow: ['a.example'] }]))).not.toBe(
      policyHash(policy),
    )
  })
})

describe('the gateway log', () => {
  it('reads squid’s lines and leaves its other messages out', () => {
    expect(parseEgressLine('caiged-egress 1796165164.111 GET denied.test 80 403 TCP_DENIED')).toEqual({
      time: 1796165164.111,
      method: 'GET',
      host: 'denied.test',
      port: 80,
      status: 403,
      decision: 'denied',
    })
    expect(
      parseEgressLine('caiged-egress 1796165164.103 CONNECT allowed.test 443 200 TCP_TUNNEL')?.decision,
    ).toBe('allowed')
    expect(parseEgressLine('2026/12/01 22:45:56| Accepting HTTP Socket connections')).toBeUndefined()
  })

  it('tells a github.scope refusal (its error page) from the policy’s, with the fix for each', () => {
    const lines = [
      'caiged-egress 100.000 POST api.github.com 443 403 TCP_DENIED ERR_CAIGED_GITHUB_SCOPE',
      'caiged-egress 101.000 CONNECT b.test 443 403 TCP_DENIED ERR_ACCESS_DENIED',
      'caiged-egress 102.000 GET api.github.com 443 200 TCP_MISS -',
    ]
    const events = lines.flatMap((l) => parseEgressLine(l) ?? [])
    expect(events.map((e) => e.rule)).toEqual(['github.scope', undefined, undefined])
    expect(withFixes('agent', summarize(events))).toEqual([
      expect.objectContaining({ destination: 'api.github.com:443', decision: 'allowed' }),
      expect.objectContaining({ destination: 'b.test:443', fix: 'caiged egress allow agent b.test' }),
      expect.objectContaining({
        destination: 'api.github.com:443',
        decision: 'denied',
        rule: 'github.scope',
        fix: GITHUB_SCOPE_FIX,
      }),
    ])
    expect(deniedReport('agent', summarize(events))[2]).toContain('github.scope project')
  })

  it('counts each destination and decision, most recent first', () => {
    const lines = [
      'caiged-egress 100.000 GET a.test 80 200 TCP_MISS',
      'caiged-egress 101.000 GET b.test 80 403 TCP_DENIED',
      'caiged-egress 102.500 GET a.test 80 200 TCP_MISS',
    ]
    expect(summarize(lines.flatMap((l) => parseEgressLine(l) ?? []))).toEqual([
      { destination: 'a.test:80', decision: 'allowed', count: 2, last: '1970-01-01T00:01:42.500Z' },
      { destination: 'b.test:80', decision: 'denied', count: 1, last: '1970-01-01T00:01:41.000Z' },
    ])
  })
})
