import { describe, expect, it } from 'vitest'
import {
  authFileCredentials,
  githubCredential,
  hostsYmlToken,
  injectedCredentials,
  injectionRules,
  type InjectedCredential,
  parseSecretMark,
  placeholderFor,
} from '../../src/egress/credentials.js'
import { parseHostRule } from '../../src/egress/rules.js'

const SALT = 'a'.repeat(64)
const REAL = 'sk-proj-Zq81JmVR2bTq0xYgL5s8wNcE3aHh7Ud9KfPzR4mB'

describe('parseSecretMark', () => {
  it.each([
    ['OPENAI_API_KEY', { name: 'OPENAI_API_KEY' }],
    ['JFROG_TOKEN@jfrog.example.com', { name: 'JFROG_TOKEN', host: { host: 'jfrog.example.com' } }],
    ['TOKEN@*.corp.example', { name: 'TOKEN', host: { host: '*.corp.example' } }],
  ])('%s', (entry, expected) => {
    expect(parseSecretMark(entry)).toEqual(expected)
  })

  it('refuses a host that is no host rule', () => {
    expect(() => parseSecretMark('TOKEN@not a host')).toThrow('not a host')
  })
})

describe('placeholderFor', () => {
  it('has the real value’s prefix and length, and nothing else of it', () => {
    const placeholder = placeholderFor('caiged-dev-a', 'OPENAI_API_KEY', REAL, SALT)
    expect(placeholder).toMatch(/^sk-proj-[A-Za-z0-9]+$/)
    expect(placeholder).toHaveLength(REAL.length)
    expect(placeholder).not.toContain(REAL.slice(8, 16))
  })

  it('is the same for the same agent, name and salt, and differs for another of any', () => {
    const one = placeholderFor('a', 'K', REAL, SALT)
    expect(placeholderFor('a', 'K', REAL, SALT)).toBe(one)
    expect(placeholderFor('b', 'K', REAL, SALT)).not.toBe(one)
    expect(placeholderFor('a', 'L', REAL, SALT)).not.toBe(one)
    expect(placeholderFor('a', 'K', REAL, 'b'.repeat(64))).not.toBe(one)
  })

  it('is long enough to be worth nothing even for a short value', () => {
    expect(placeholderFor('a', 'K', 'abc', SALT).length).toBeGreaterThanOrEqual(24)
  })
})

describe('injectedCredentials', () => {
  it('injects the known providers’ keys for their hosts and marked ones for theirs; others stay as they are', () => {
    const creds = injectedCredentials({
      agent: 'caiged-dev-a',
      values: { OPENAI_API_KEY: REAL, JFROG_TOKEN: 'jf-123456', PLAIN: 'x' },
      marks: { JFROG_TOKEN: [parseHostRule('jfrog.example.com')] },
      salt: SALT,
    })
    expect(creds.map((c) => [c.name, c.hosts.map((h) => h.host)])).toEqual([
      ['OPENAI_API_KEY', ['api.openai.com']],
      ['JFROG_TOKEN', ['jfrog.example.com']],
    ])
  })

  it('refuses a value the gateway could not hold in its configuration', () => {
    expect(() =>
      injectedCredentials({ agent: 'a', values: { OPENAI_API_KEY: 'a"b' }, marks: {}, salt: SALT }),
    ).toThrow('cannot be injected by the gateway')
  })
})

describe('injectionRules', () => {
  const cred = injectedCredentials({
    agent: 'caiged-dev-a',
    values: { OPENAI_API_KEY: REAL },
    marks: {},
    salt: SALT,
  })[0] as InjectedCredential

  it('intercepts only the credential’s hosts, and swaps the exact placeholder there for the value', () => {
    const rules = injectionRules([cred])
    expect(rules).toContain('acl caiged_intercept ssl::server_name api.openai.com')
    expect(rules).toContain('ssl_bump splice all')
    expect(rules).toContain(`acl caiged_cred0_0 req_header Authorization ^Bearer\\ ${cred.placeholder}$`)
    expect(rules).toContain('request_header_access Authorization deny caiged_cred0_host caiged_cred0_0')
    expect(rules).toContain(
      `request_header_add Authorization "Bearer ${REAL}" caiged_cred0_host caiged_cred0_0`,
    )
  })

  it('says nothing at all when there is nothing to inject (no interception)', () => {
    expect(injectionRules([])).toBe('')
  })

  it('escapes what squid would read as a format code', () => {
    const c = injectedCredentials({
      agent: 'a',
      values: { OPENAI_API_KEY: 'sk-50%off' },
      marks: {},
      salt: SALT,
    })
    expect(injectionRules(c)).toContain('"Bearer sk-50%%off"')
  })
})

describe('authFileCredentials', () => {
  it('turns the API keys of known providers into placeholders and credentials; copies the rest as it is', () => {
    const oauth = { type: 'oauth', access: 'at', refresh: 'rt', expires: 1 }
    const auth = JSON.stringify({
      anthropic: { type: 'api', key: 'sk-ant-api03-REALREALREAL' },
      someone: { type: 'api', key: 'k-123' },
      'github-copilot': oauth,
    })
    const { credentials, agentCopy } = authFileCredentials(auth, { agent: 'a', salt: SALT })
    const copy = JSON.parse(agentCopy)
    expect(credentials.map((c) => [c.name, c.hosts.map((h) => h.host), c.carriers[0]?.header])).toEqual([
      ['auth.json anthropic', ['api.anthropic.com'], 'x-api-key'],
    ])
    expect(copy.anthropic.key).toBe(credentials[0]?.placeholder)
    expect(copy.anthropic.key).toMatch(/^sk-ant-api03-/)
    expect(agentCopy).not.toContain('REALREALREAL')
    expect(copy.someone).toEqual({ type: 'api', key: 'k-123' })
    expect(copy['github-copilot']).toEqual(oauth)
  })

  it('leaves a file OpenCode could not read either as it is, injecting nothing', () => {
    expect(authFileCredentials('{not json', { agent: 'a', salt: SALT })).toEqual({
      credentials: [],
      agentCopy: '{not json',
      inside: [],
    })
  })
})

describe('authFileCredentials and what stays out', () => {
  const auth = JSON.stringify({
    openai: { type: 'api', key: 'sk-AAAAAAAAAAAAAAAAAAAA' },
    anthropic: { type: 'oauth', access: 'at', refresh: 'rt', expires: 1 },
  })

  it('names what it cannot inject, and leaves out of the copy what the user did not let in', () => {
    expect(authFileCredentials(auth, { agent: 'a', salt: SALT }).inside).toEqual(['anthropic'])
    const kept = authFileCredentials(auth, { agent: 'a', salt: SALT, keepInside: () => [] })
    expect(Object.keys(JSON.parse(kept.agentCopy))).toEqual(['openai'])
    expect(kept.inside).toEqual([])
    const all = authFileCredentials(auth, { agent: 'a', salt: SALT, keepInside: (ids) => ids })
    expect(Object.keys(JSON.parse(all.agentCopy))).toEqual(['openai', 'anthropic'])
  })
})

describe('githubCredential', () => {
  const TOKEN = 'gho_REALTOKEN1234567890'
  const hosts = `github.com:\n    users:\n        octo:\n            oauth_token: ${TOKEN}\n    user: octo\n    oauth_token: ${TOKEN}\n`
  const given = { agent: 'a', salt: SALT, token: TOKEN, scope: 'any' as const, scopeRules: ['# narrowed'] }

  it("replaces every copy of the token in the agent's hosts.yml, and injects it for GitHub's API and git", () => {
    expect(hostsYmlToken(hosts)).toBe(TOKEN)
    const github = githubCredential(hosts, given)
    const credential = github.credential as InjectedCredential
    expect(github.agentHostsYml).not.toContain('REALTOKEN')
    expect(github.agentHostsYml.split(credential.placeholder)).toHaveLength(3)
    expect(credential.hosts.map((h) => h.host)).toEqual(['api.github.com', 'github.com'])
    const rules = injectionRules([credential])
    const basic = (v: string) => Buffer.from(`octo:${v}`).toString('base64')
    expect(rules).toContain(`request_header_add Authorization "token ${TOKEN}"`)
    expect(rules).toContain(`request_header_add Authorization "Basic ${basic(TOKEN)}"`)
    // Full reach: no narrowing rules.
    expect(rules).not.toContain('# narrowed')
  })

  it('a token gh keeps in a keyring: the agent gets a hosts.yml with its placeholder under github.com', () => {
    expect(hostsYmlToken('github.com:\n    user: octo\n')).toBeUndefined()
    const github = githubCredential('github.com:\n    git_protocol: https\n    user: octo\n', given)
    const placeholder = (github.credential as InjectedCredential).placeholder
    expect(github.agentHostsYml).toBe(
      `github.com:\n    oauth_token: ${placeholder}\n    git_protocol: https\n    user: octo\n`,
    )
  })

  it('with github.scope project the narrowing rules go with it; with none, nothing is injected and the copy holds no token', () => {
    const project = githubCredential(hosts, { ...given, scope: 'project' })
    expect(injectionRules([project.credential as InjectedCredential])).toContain('# narrowed')
    const none = githubCredential(hosts, { ...given, scope: 'none' })
    expect(none.credential).toBeUndefined()
    expect(none.agentHostsYml).toBe('github.com:\n    users:\n        octo:\n    user: octo\n')
  })
})
