import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { Label } from '../labels.js'
import { formatIdleDuration } from './idle.js'
import { publishedText, type PublishedPort } from './publish.js'
import type { ContainerRequest, ContainerSettings } from './request.js'

/**
 * What a container was made with, as one value: written as one label (io.caiged.settings) and read
 * back by this codec alone, for the drift a later run reports, for `upgrade` (which recreates with
 * it) and for the commands that act on a container's volumes, auth or secrets. A new setting is
 * added here, in the schema and in SHOWN.
 */
const SettingsRecordSchema = lazySchema(() =>
  z.object({
    v: z.literal(1),
    workdir: z.string(),
    /** The GitHub config mount as made: none when the host had no ~/.config/gh. */
    gh: z.enum(['ro', 'rw', 'none']),
    auth: z.enum(['copy', 'none']),
    dockerSocket: z.boolean(),
    /** Sorted: the order they were given in changes nothing. */
    secretEnv: z.array(z.string()),
    /** The secrets the gateway injects: NAME@HOST,… and the length of the placeholder the agent holds. */
    injected: z.array(z.string()).default([]),
    /** The auth.json entries the agent holds for real (sign-ins the gateway cannot hold). */
    authInside: z.array(z.string()).default([]),
    /** '' for none. */
    secretEnvFile: z.string(),
    volume: z.string(),
    toolsVolume: z.string(),
    git: z.object({
      mode: z.enum(['host', 'agent', 'none']),
      name: z.string().optional(),
      email: z.string().optional(),
    }),
    ssh: z.union([
      z.object({ kind: z.literal('key'), key: z.string() }),
      z.object({ kind: z.literal('agent') }),
      z.object({ kind: z.literal('none') }),
    ]),
    resources: z.object({
      memory: z.string().optional(),
      cpus: z.number().optional(),
      pids: z.number().optional(),
    }),
    /** own (a bridge of its own) or the name of the network the user asked for. */
    network: z.string(),
    egress: z.enum(['open', 'balanced', 'locked']),
    publish: z.array(z.object({ container: z.number(), host: z.number() })),
    /** Seconds unused before it stops itself; 0: never. Absent: made before idle stop. */
    idleStopAfter: z.number().optional(),
    /** bind or copy. Absent: made before workspace copies, so bind. */
    workspace: z.enum(['bind', 'copy']).optional(),
  }),
)
export type SettingsRecord = z.infer<typeof SettingsRecordSchema>

/** The record of the settings a run asks for. */
export function settingsRecord(s: ContainerSettings): SettingsRecord {
  return {
    v: 1,
    workdir: s.workdir,
    gh: s.gh.hostDir ? s.gh.mode : 'none',
    auth: s.auth,
    dockerSocket: s.dockerSocket !== undefined,
    secretEnv: [...s.secretEnvNames].sort(),
    injected: s.injected.map((i) => `${i.name}@${i.hosts.join(',')} (${i.placeholder.length})`).sort(),
    authInside: [...s.authInside].sort(),
    secretEnvFile: s.secretEnvFile ?? '',
    volume: s.volume,
    toolsVolume: s.toolsVolume,
    git: s.git,
    ssh: s.ssh.key
      ? { kind: 'key', key: s.ssh.key }
      : s.ssh.agentSocket
        ? { kind: 'agent' }
        : { kind: 'none' },
    resources: s.resources,
    network: s.network.own ? 'own' : s.network.name,
    egress: s.egress.mode,
    publish: s.publish,
    idleStopAfter: s.idleStopAfter,
    workspace: s.workspace,
  }
}

/**
 * The labels a record is written as: the record itself, and the few parts `docker ps` listings and
 * filters read without an inspect (ps joins labels with commas, which JSON can hold).
 */
export function settingsLabels(record: SettingsRecord): Record<string, string> {
  return {
    [Label.settings]: JSON.stringify(record),
    [Label.workdir]: record.workdir,
    [Label.volume]: record.volume,
    [Label.toolsVolume]: record.toolsVolume,
    [Label.egress]: record.egress,
    [Label.authInside]: record.authInside.join(','),
    [Label.publish]: publishedText(record.publish),
    ...(record.workspace === undefined ? {} : { [Label.workspace]: record.workspace }),
    ...(record.idleStopAfter === undefined
      ? {}
      : { [Label.idleStop]: formatIdleDuration(record.idleStopAfter) }),
  }
}

/**
 * A container's settings as it was made: from its record, else (made by a caiged before the
 * record) from the one-label-per-setting form that caiged wrote then. What such a container never
 * recorded is missing, and so never reported as changed.
 */
export function readSettings(labels: Record<string, string>): Partial<SettingsRecord> {
  const recorded = labels[Label.settings]
  if (recorded !== undefined) {
    try {
      const parsed = SettingsRecordSchema.safeParse(JSON.parse(recorded))
      if (parsed.success) return parsed.data
    } catch {
      // Not JSON: read what the other labels say.
    }
  }
  return legacySettings(labels)
}

/** The settings labels of caiged before io.caiged.settings, decoded. */
function legacySettings(labels: Record<string, string>): Partial<SettingsRecord> {
  const has = (key: string) => labels[key] !== undefined
  const text = (key: string) => labels[key] as string
  const out: Partial<SettingsRecord> = {}
  if (has(Label.workdir)) out.workdir = text(Label.workdir)
  const gh = labels[Label.gh]
  if (gh === 'ro' || gh === 'rw' || gh === 'none') out.gh = gh
  const auth = labels[Label.auth]
  if (auth === 'copy' || auth === 'none') out.auth = auth
  if (has(Label.dockerSocket)) out.dockerSocket = text(Label.dockerSocket) === 'yes'
  if (has(Label.secretEnv)) out.secretEnv = text(Label.secretEnv).split(',').filter(Boolean).sort()
  if (has(Label.secretEnvFile)) out.secretEnvFile = text(Label.secretEnvFile)
  // Before the gateway injected anything, every secret went in as it was.
  out.injected = []
  out.authInside = []
  if (has(Label.volume)) out.volume = text(Label.volume)
  if (has(Label.toolsVolume)) out.toolsVolume = text(Label.toolsVolume)
  if (has(Label.git)) {
    // "host: Name <email>", "agent: Name <email>" or "none".
    const match = /^(host|agent): (.*) <(.*)>$/.exec(text(Label.git))
    out.git = match
      ? {
          mode: match[1] as 'host' | 'agent',
          ...(match[2] ? { name: match[2] } : {}),
          ...(match[3] ? { email: match[3] } : {}),
        }
      : { mode: 'none' }
  }
  if (has(Label.ssh)) {
    const ssh = text(Label.ssh)
    out.ssh = ssh.startsWith('key ')
      ? { kind: 'key', key: ssh.slice(4) }
      : ssh === 'agent'
        ? { kind: 'agent' }
        : { kind: 'none' }
  }
  if (has(Label.resources)) out.resources = legacyResources(text(Label.resources))
  // Before caiged recorded the network, every container sat on the default bridge, and went
  // straight out: no egress policy.
  out.network = labels[Label.network] ?? 'default bridge'
  const egress = labels[Label.egress] ?? 'open'
  if (egress === 'open' || egress === 'balanced' || egress === 'locked') out.egress = egress
  if (has(Label.publish)) out.publish = legacyPublished(text(Label.publish))
  return out
}

function legacyResources(text: string): SettingsRecord['resources'] {
  const out: SettingsRecord['resources'] = {}
  for (const part of text === 'none' ? [] : text.split(',')) {
    const [key, value = ''] = part.split('=')
    if (key === 'memory') out.memory = value
    if (key === 'cpus') out.cpus = Number(value)
    if (key === 'pids') out.pids = Number(value)
  }
  return out
}

function legacyPublished(text: string): PublishedPort[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [container, host] = pair.split(':').map(Number)
      return { container: container as number, host: host as number }
    })
}

/** Each setting as a message names and shows it ("ssh: none → agent"). */
const SHOWN: { [K in Exclude<keyof SettingsRecord, 'v'>]: [string, (value: SettingsRecord[K]) => string] } = {
  workdir: ['project folder', (v) => v],
  gh: ['GitHub config mount', (v) => v],
  auth: ['OpenCode auth', (v) => v],
  dockerSocket: ['Docker socket', (v) => (v ? 'yes' : 'no')],
  secretEnv: ['secret env names', (v) => v.join(',')],
  injected: ['secrets the gateway injects', (v) => v.join(' ')],
  authInside: ['sign-ins copied in', (v) => v.join(',')],
  secretEnvFile: ['secret env file', (v) => v],
  volume: ['sessions volume', (v) => v],
  toolsVolume: ['user tools volume', (v) => v],
  git: [
    'git identity',
    (v) => (v.mode === 'none' ? 'none' : `${v.mode}: ${v.name ?? ''} <${v.email ?? ''}>`),
  ],
  ssh: ['ssh', (v) => (v.kind === 'key' ? `key ${v.key}` : v.kind)],
  resources: [
    'resource limits',
    (v) =>
      [v.memory && `memory=${v.memory}`, v.cpus && `cpus=${v.cpus}`, v.pids && `pids=${v.pids}`]
        .filter(Boolean)
        .join(',') || 'none',
  ],
  network: ['network', (v) => v],
  egress: ['egress', (v) => v],
  publish: ['published ports', (v) => publishedText(v)],
  idleStopAfter: ['idle stop', (v) => (v === undefined ? 'none' : formatIdleDuration(v))],
  workspace: ['workspace', (v) => v ?? 'bind'],
}

/**
 * How the settings asked for differ from those a container was made with, one line each
 * ("ssh: none → agent"). What the container never recorded is left out rather than reported as a
 * change that reads "none → none".
 */
export function settingsDrift(wanted: SettingsRecord, existingLabels: Record<string, string>): string[] {
  const had = readSettings(existingLabels)
  const show = (v: string) => (v === '' ? 'none' : v)
  const lines: string[] = []
  for (const key of Object.keys(SHOWN) as (keyof typeof SHOWN)[]) {
    if (had[key] === undefined) continue
    const [name, text] = SHOWN[key] as [string, (value: unknown) => string]
    const before = show(text(had[key]))
    const after = show(text(wanted[key]))
    if (before !== after) lines.push(`${name}: ${before} → ${after}`)
  }
  return lines
}

/** The labels a container made from this request carries; its settings are compared on reuse. */
export function containerLabels(request: ContainerRequest): Record<string, string> {
  return {
    [Label.managed]: 'true',
    [Label.spin]: request.spin,
    [Label.project]: request.project,
    [Label.port]: String(request.hostPort),
    [Label.legacyPort]: String(request.hostPort),
    [Label.opencodeVersion]: request.opencodeVersion,
    [Label.imageFingerprint]: request.imageFingerprint,
    ...(request.imageSource ? { [Label.imageSource]: request.imageSource } : {}),
    ...(request.imageDigest ? { [Label.imageDigest]: request.imageDigest } : {}),
    ...settingsLabels(settingsRecord(request)),
  }
}
