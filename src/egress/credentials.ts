import { createHmac } from 'node:crypto'
import { usageError } from '../errors.js'
import type { GithubScope } from './github-scope.js'
import { formatHostRule, isWildcard, parseHostRule, type HostRule } from './rules.js'

/**
 * Credentials the gateway holds for the agent: the agent gets a placeholder of the same shape, and
 * the gateway puts the real value in its place on requests to the hosts the credential belongs to
 * (and that the policy allows). Sent anywhere else, the placeholder is only a placeholder.
 */

/** How a credential travels in a request: which header, and what stands before the value. */
export interface CredentialCarrier {
  header: string
  /** `Bearer ` for Authorization: Bearer …; '' for a header that holds the bare value. */
  prefix: string
  /** For HTTP Basic: the user name the value is the password of (the pair goes base64-encoded). */
  basicUser?: string
}

/** What a carrier puts after its prefix for a value (the value itself, or a Basic pair). */
const carried = (carrier: CredentialCarrier, value: string): string =>
  carrier.basicUser === undefined ? value : Buffer.from(`${carrier.basicUser}:${value}`).toString('base64')

/** The API key variables of the known providers: their hosts and how their SDKs send the key. */
export const PROVIDER_KEYS: Record<string, { hosts: string[]; carriers: CredentialCarrier[] }> = {
  OPENAI_API_KEY: { hosts: ['api.openai.com'], carriers: [bearer()] },
  ANTHROPIC_API_KEY: {
    hosts: ['api.anthropic.com'],
    carriers: [{ header: 'x-api-key', prefix: '' }, bearer()],
  },
  GEMINI_API_KEY: {
    hosts: ['generativelanguage.googleapis.com'],
    carriers: [{ header: 'x-goog-api-key', prefix: '' }],
  },
  GOOGLE_GENERATIVE_AI_API_KEY: {
    hosts: ['generativelanguage.googleapis.com'],
    carriers: [{ header: 'x-goog-api-key', prefix: '' }],
  },
  OPENROUTER_API_KEY: { hosts: ['openrouter.ai'], carriers: [bearer()] },
  GROQ_API_KEY: { hosts: ['api.groq.com'], carriers: [bearer()] },
  MISTRAL_API_KEY: { hosts: ['api.mistral.ai'], carriers: [bearer()] },
  DEEPSEEK_API_KEY: { hosts: ['api.deepseek.com'], carriers: [bearer()] },
  XAI_API_KEY: { hosts: ['api.x.ai'], carriers: [bearer()] },
  OPENCODE_API_KEY: { hosts: ['opencode.ai'], carriers: [bearer()] },
}

/** The key variable of each provider OpenCode's auth.json names (its models.dev id). */
const PROVIDER_IDS: Record<string, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GEMINI_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  groq: 'GROQ_API_KEY',
  mistral: 'MISTRAL_API_KEY',
  deepseek: 'DEEPSEEK_API_KEY',
  xai: 'XAI_API_KEY',
  opencode: 'OPENCODE_API_KEY',
}

/** What a credential named without a provider is looked for in: the usual API key headers. */
const GENERIC_CARRIERS: CredentialCarrier[] = [
  bearer(),
  { header: 'Authorization', prefix: 'token ' },
  { header: 'Authorization', prefix: '' },
  { header: 'x-api-key', prefix: '' },
  { header: 'api-key', prefix: '' },
  { header: 'Private-Token', prefix: '' },
]

function bearer(): CredentialCarrier {
  return { header: 'Authorization', prefix: 'Bearer ' }
}

/** A credential to inject: its name, placeholder and real value, and where it may go. */
export interface InjectedCredential {
  name: string
  hosts: HostRule[]
  carriers: CredentialCarrier[]
  placeholder: string
  value: string
  /** Squid rules that narrow what the credential may do (github.scope), before any allow. */
  rules?: string[]
}

/**
 * `NAME` or `NAME@HOST` (a host rule: host, *.domain): the name, and the host it is injected for
 * when marked so. Pure; the name itself is checked where values are read (host/environment.ts).
 */
export function parseSecretMark(entry: string): { name: string; host?: HostRule } {
  const at = entry.indexOf('@')
  if (at < 0) return { name: entry }
  const host = parseHostRule(entry.slice(at + 1))
  return { name: entry.slice(0, at), host }
}

/**
 * Which of the secrets passed in the gateway injects: the known providers' key variables for their
 * hosts, and any variable marked NAME@HOST for that host. Each gets a placeholder derived from the
 * agent, the name and the machine's salt (so it stays the same across runs of one agent) of the
 * real value's shape: its non-secret prefix (sk-, sk-ant-api03-, ghp_) and length.
 */
export function injectedCredentials(o: {
  agent: string
  values: Record<string, string>
  marks: Record<string, HostRule[]>
  salt: string
}): InjectedCredential[] {
  const out: InjectedCredential[] = []
  for (const [name, value] of Object.entries(o.values)) {
    const known = PROVIDER_KEYS[name]
    const marked = o.marks[name] ?? []
    if (!known && marked.length === 0) continue
    checkInjectable(name, value)
    const hosts = [...(known?.hosts.map(parseHostRule) ?? []), ...marked]
    out.push({
      name,
      hosts,
      carriers: known && marked.length === 0 ? known.carriers : GENERIC_CARRIERS,
      placeholder: placeholderFor(o.agent, name, value, o.salt),
      value,
    })
  }
  return out
}

/** The gateway writes a value into its configuration: nothing there may end or escape it. */
function checkInjectable(name: string, value: string): void {
  if (value === '' || /[\s"\\]/.test(value)) {
    throw usageError(
      `The secret ${name} cannot be injected by the gateway: it is empty or holds a space, a quote or a backslash.`,
      `Pass it without @HOST (the agent then holds it), or check its value.`,
    )
  }
}

/** A value of the real one's shape that is worth nothing: its prefix, then letters and digits. */
export function placeholderFor(agent: string, name: string, value: string, salt: string): string {
  const prefix = /^[A-Za-z]{1,8}[-_](?:[A-Za-z0-9]{1,8}[-_]){0,2}/.exec(value)?.[0] ?? ''
  const length = Math.max(value.length, prefix.length + 24)
  let body = ''
  for (let i = 0; body.length < length - prefix.length; i++) {
    body += createHmac('sha256', salt)
      .update(`caiged placeholder\0${agent}\0${name}\0${i}`)
      .digest('base64url')
  }
  return `${prefix}${body.replace(/[-_]/g, 'x').slice(0, length - prefix.length)}`
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A squid ACL for a credential's hosts. */
function hostAcl(name: string, hosts: HostRule[]): string[] {
  return hosts.map((h) =>
    isWildcard(h)
      ? `acl ${name} dstdom_regex -n -i ^.+\\.${escapeRegex(h.host.slice(2))}$`
      : `acl ${name} dstdomain -n ${h.host}`,
  )
}

/**
 * The gateway's configuration for the credentials: TLS to their hosts is intercepted (every other
 * host stays a tunnel it cannot read), and on those hosts a header that carries the placeholder
 * exactly is replaced by one carrying the real value. Squid evaluates these only for requests its
 * policy let through. Empty when there is nothing to inject.
 */
export function injectionRules(credentials: InjectedCredential[]): string {
  if (credentials.length === 0) return ''
  const lines = ['# caiged credentials: intercepted hosts and the headers injected there']
  lines.push('acl caiged_step1 at_step SslBump1')
  const hosts = credentials.flatMap((c) => c.hosts)
  for (const h of hosts) {
    lines.push(
      isWildcard(h)
        ? `acl caiged_intercept ssl::server_name_regex -i ^.+\\.${escapeRegex(h.host.slice(2))}$`
        : `acl caiged_intercept ssl::server_name ${h.host}`,
    )
  }
  lines.push('ssl_bump peek caiged_step1', 'ssl_bump bump caiged_intercept', 'ssl_bump splice all')
  for (const c of credentials) lines.push(...(c.rules ?? []))
  credentials.forEach((c, i) => {
    const host = `caiged_cred${i}_host`
    lines.push(`# ${c.name} for ${c.hosts.map(formatHostRule).join(', ')}`, ...hostAcl(host, c.hosts))
    c.carriers.forEach((carrier, j) => {
      const seen = `caiged_cred${i}_${j}`
      const shown = `${carrier.prefix}${carried(carrier, c.placeholder)}`
      const real = `${carrier.prefix}${carried(carrier, c.value)}`
      lines.push(
        `acl ${seen} req_header ${carrier.header} ^${escapeRegex(shown).replaceAll(' ', '\\ ')}$`,
        `request_header_access ${carrier.header} deny ${host} ${seen}`,
        `request_header_add ${carrier.header} "${real.replaceAll('%', '%%')}" ${host} ${seen}`,
      )
    })
  })
  return lines.join('\n') + '\n'
}

/**
 * OpenCode's auth.json as the agent gets it: each API key (`type: api`) of a provider the gateway
 * knows becomes a placeholder there, and a credential the gateway injects for that provider's hosts.
 * Other entries (OAuth sign-ins, providers it does not know) are copied as they are. Unreadable
 * JSON is left to OpenCode, as before: copied unchanged, nothing injected.
 */
export function authFileCredentials(
  authJson: string,
  o: { agent: string; salt: string; keepInside?: (ids: string[]) => string[] },
): { credentials: InjectedCredential[]; agentCopy: string; inside: string[] } {
  let auth: Record<string, { type?: unknown; key?: unknown }>
  try {
    auth = JSON.parse(authJson) as typeof auth
    if (!auth || typeof auth !== 'object' || Array.isArray(auth)) throw new Error('not an object')
  } catch {
    return { credentials: [], agentCopy: authJson, inside: [] }
  }
  const credentials: InjectedCredential[] = []
  const copy: Record<string, unknown> = {}
  for (const [id, entry] of Object.entries(auth)) {
    const known = PROVIDER_KEYS[PROVIDER_IDS[id] ?? '']
    const value = entry?.type === 'api' && typeof entry.key === 'string' ? entry.key : undefined
    if (!known || value === undefined || value === '' || /[\s"\\]/.test(value)) {
      copy[id] = entry
      continue
    }
    const name = `auth.json ${id}`
    const placeholder = placeholderFor(o.agent, name, value, o.salt)
    credentials.push({
      name,
      hosts: known.hosts.map(parseHostRule),
      carriers: known.carriers,
      placeholder,
      value,
    })
    copy[id] = { ...entry, key: placeholder }
  }
  // What the gateway cannot hold (sign-ins, keys of providers it does not know) goes in only with
  // the user's say: the rest is left out of the agent's copy.
  const real = Object.keys(copy).filter((id) => !credentials.some((c) => c.name === `auth.json ${id}`))
  const inside = o.keepInside ? o.keepInside(real) : real
  const kept = Object.fromEntries(
    Object.entries(copy).filter(([id]) => !real.includes(id) || inside.includes(id)),
  )
  // Nothing changed: the user's file as it is, to the byte.
  if (credentials.length === 0 && inside.length === real.length)
    return { credentials, agentCopy: authJson, inside }
  return { credentials, agentCopy: JSON.stringify(kept, null, 2), inside }
}

/** The name the GitHub CLI's token goes by among the injected credentials. */
export const GITHUB_CREDENTIAL = 'GitHub CLI token'

/** GitHub's hosts: its API (gh, tools) and git over HTTPS. */
const GITHUB_HOSTS = ['api.github.com', 'github.com']

/** hosts.yml's token for github.com, when gh keeps it there (not in a keyring). */
export const hostsYmlToken = (hostsYml: string): string | undefined =>
  /^\s*oauth_token:\s*["']?([A-Za-z0-9_]+)["']?\s*$/m.exec(hostsYml)?.[1]

/**
 * The GitHub CLI's token (hosts.yml's `oauth_token`, or the one gh keeps in a keyring) as a
 * credential the gateway injects: `Authorization: token …`/`Bearer …` for the API (gh sends the
 * first), and HTTP Basic for git over HTTPS with the user gh names or `x-access-token`. The
 * agent's hosts.yml holds the placeholder in its place; with github.scope `none`, nothing (and no
 * credential). `scopeRules` narrow what it may do (github-scope.ts).
 */
export function githubCredential(
  hostsYml: string,
  o: { agent: string; salt: string; token: string; scope: GithubScope; scopeRules: string[] },
): { credential?: InjectedCredential; agentHostsYml: string } {
  const { token } = o
  const withoutToken = () =>
    hostsYml
      .split('\n')
      .filter((line) => !line.includes(token))
      .join('\n')
  if (o.scope === 'none') return { agentHostsYml: withoutToken() }
  const user = /^\s*user:\s*["']?([A-Za-z0-9-]+)["']?\s*$/m.exec(hostsYml)?.[1]
  const placeholder = placeholderFor(o.agent, GITHUB_CREDENTIAL, token, o.salt)
  const carriers: CredentialCarrier[] = [
    { header: 'Authorization', prefix: 'token ' },
    bearer(),
    ...['x-access-token', ...(user ? [user] : [])].map((u) => ({
      header: 'Authorization',
      prefix: 'Basic ',
      basicUser: u,
    })),
  ]
  return {
    credential: {
      name: GITHUB_CREDENTIAL,
      hosts: GITHUB_HOSTS.map(parseHostRule),
      carriers,
      placeholder,
      value: token,
      rules: o.scope === 'project' ? o.scopeRules : undefined,
    },
    agentHostsYml: hostsYml.includes(token)
      ? hostsYml.split(token).join(placeholder)
      : withTokenLine(hostsYml, placeholder),
  }
}

/** hosts.yml with an oauth_token under github.com (gh kept the real one in a keyring). */
function withTokenLine(hostsYml: string, token: string): string {
  const lines = hostsYml.split('\n')
  const at = lines.findIndex((l) => /^github\.com:\s*$/.test(l))
  if (at < 0) return `github.com:\n    oauth_token: ${token}\n${hostsYml}`
  lines.splice(at + 1, 0, `    oauth_token: ${token}`)
  return lines.join('\n')
}
