import { usageError } from '../errors.js'

/**
 * One egress rule's destination: an exact host ("api.example.com"), every subdomain of one
 * ("*.example.com": not the apex itself, write both), or an IPv4 address (raw IPs are refused
 * unless a rule lists them), with an optional port. Without a port a rule covers 80 and 443.
 */
export interface HostRule {
  host: string
  port?: number
}

export const DEFAULT_PORTS = [80, 443] as const

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOST_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`)
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

export const isWildcard = (rule: HostRule): boolean => rule.host.startsWith('*.')
export const isIpRule = (rule: HostRule): boolean => IPV4.test(rule.host)

/**
 * Parses "HOST[:PORT]". Validated before it reaches the proxy's configuration: only letters,
 * digits, "-", "." and a leading "*." get through, so a rule can never be read as anything else.
 */
export function parseHostRule(text: string): HostRule {
  const input = text.trim().toLowerCase()
  const bad = (why: string) =>
    usageError(
      `"${text}" is not an egress rule: ${why}.`,
      'Write a host, *.domain or an IPv4 address, with an optional :PORT: api.example.com, *.example.com:443, 10.0.0.5:22.',
    )
  if (input.startsWith('[') || (input.match(/:/g)?.length ?? 0) > 1)
    throw bad('IPv6 addresses are not supported')
  const [host = '', portText] = input.split(':')
  let port: number | undefined
  if (portText !== undefined) {
    port = Number(portText)
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw bad('the port must be 1-65535')
  }
  const ip = IPV4.exec(host)
  if (ip) {
    if (ip.slice(1).some((octet) => Number(octet) > 255)) throw bad('that is not an IPv4 address')
    return port === undefined ? { host } : { host, port }
  }
  if (host === '*' || host === '') throw bad('it names no host (for no limits at all, use --egress open)')
  if (!HOST_NAME.test(host) || host.length > 253) throw bad('that is not a host name')
  if (host.startsWith('*.') && !host.slice(2).includes('.'))
    throw bad('a wildcard must be below a domain, such as *.example.com')
  return port === undefined ? { host } : { host, port }
}

export function formatHostRule(rule: HostRule): string {
  return rule.port === undefined ? rule.host : `${rule.host}:${rule.port}`
}

/** Whether a rule covers a destination (the same semantics the proxy is configured with). */
export function ruleMatches(rule: HostRule, host: string, port: number): boolean {
  const portOk =
    rule.port === undefined ? (DEFAULT_PORTS as readonly number[]).includes(port) : rule.port === port
  if (!portOk) return false
  const h = host.toLowerCase()
  return isWildcard(rule)
    ? h.endsWith(rule.host.slice(1)) && h.length > rule.host.length - 1
    : h === rule.host
}

export const sameRule = (a: HostRule, b: HostRule): boolean => a.host === b.host && a.port === b.port
