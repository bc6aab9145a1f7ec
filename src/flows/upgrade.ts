import { isGatewayEntry } from '../containers/listing.js'
import { formatIdleDuration } from '../containers/idle.js'
import type { ListedContainer } from '../docker/container-client.js'
import type { Deps, Io } from '../deps.js'
import { editsFile, loadEdits } from '../egress/store.js'
import { readSettings } from '../containers/settings-record.js'
import { CaigedError, usageError } from '../errors.js'
import { baseImageFrom } from '../images/options.js'
import type { ImageInputs } from '../bake/plan.js'
import { imageInputs, spinFingerprint } from '../images/plan.js'
import { imagePrefix } from '../containers/naming.js'
import { Label } from '../labels.js'
import { spinContentHash } from '../spins/content-hash.js'
import { findSpin, spinRoots } from '../spins/discovery.js'
import { spinVariant } from '../spins/variant.js'
import { loadProjectConfig } from '../config/project.js'
import { taskList } from '../ui/tasks.js'
import { ownContainers } from './containers.js'
import { runAgent, type RunOptions } from './run-agent.js'

export interface OutdatedRow {
  name: string
  opencodeVersion: string
  hostVersion: string | undefined
  /** Why it is behind; empty when it is current. */
  reasons: string[]
}

/**
 * `caiged containers outdated`: each agent whose OpenCode is not the host client's, or whose image
 * was built from another spin, caiged or base than a run would build now.
 */
export async function outdatedContainers(d: Deps): Promise<OutdatedRow[]> {
  const [hostVersion, listed] = await Promise.all([d.hostOpencode.version(), ownContainers(d, { all: true })])
  const agents = listed.filter((c) => !isGatewayEntry(c))
  // What a run would build now: the same for every container (only the spin differs), made once.
  const inputs =
    hostVersion === undefined
      ? undefined
      : await imageInputs(d, {
          opencodeVersion: hostVersion,
          baseImage: baseImageFrom(undefined, d.env),
          imagePrefix: imagePrefix(d.env),
          ...d.hostIds,
        })
  const rows = await Promise.all(agents.map((c) => outdatedRow(c, hostVersion, inputs, d)))
  return rows.sort((a, b) => a.name.localeCompare(b.name))
}

async function outdatedRow(
  c: ListedContainer,
  hostVersion: string | undefined,
  inputs: ImageInputs | undefined,
  d: Deps,
): Promise<OutdatedRow> {
  const labels = c.labelMap
  const version = labels[Label.opencodeVersion] ?? ''
  const reasons: string[] = []
  if (hostVersion && version !== hostVersion)
    reasons.push(`OpenCode ${version || 'unknown'} → ${hostVersion} (the host client's)`)
  const spinName = labels[Label.spin]
  const workdir = labels[Label.workdir]
  if (spinName && workdir && inputs) {
    try {
      const spin = await findSpin(spinName, spinRoots(workdir, d.env))
      const project = await loadProjectConfig(workdir)
      const variant = spinVariant(
        { name: spin.name, hash: await spinContentHash(spin.dir) },
        project?.config.packages,
      )
      const fingerprint = spinFingerprint(inputs, variant)
      if (version === hostVersion && labels[Label.imageFingerprint] !== fingerprint)
        reasons.push('its image was built from another spin, caiged or base than a run would use now')
    } catch (error) {
      if (!(error instanceof CaigedError)) throw error
      reasons.push(`its spin cannot be checked: ${error.sentence}`)
    }
  }
  return { name: c.Names, opencodeVersion: version, hostVersion, reasons }
}

/**
 * The run that made a container, read back from its settings record (so an upgrade changes nothing
 * else), with the --allow-host/--deny-host its latest run gave (kept with its egress edits).
 */
export function runOptionsFromLabels(
  labels: Record<string, string>,
  hostRules: { allow: string[]; deny: string[] } = { allow: [], deny: [] },
): RunOptions {
  const s = readSettings(labels)
  return {
    workdir: s.workdir ?? '.',
    spin: labels[Label.spin],
    project: labels[Label.project],
    secretEnv: s.secretEnv ?? [],
    secretEnvFile: s.secretEnvFile || undefined,
    gh: s.gh,
    opencodeAuth: s.auth === 'none' ? false : undefined,
    dockerSocket: s.dockerSocket ?? false,
    gitIdentity: s.git?.mode ?? 'none',
    sshKey: s.ssh?.kind === 'key' ? s.ssh.key : undefined,
    sshAgent: s.ssh?.kind === 'agent',
    network: s.network && s.network !== 'own' && s.network !== 'default bridge' ? s.network : undefined,
    egress: s.egress ?? 'open',
    publish: (s.publish ?? []).map((p) => `${p.container}:${p.host}`),
    // Made before idle stop: the configured one (it gets the feature with this recreate).
    idleStop: s.idleStopAfter === undefined ? undefined : formatIdleDuration(s.idleStopAfter),
    workspace: s.workspace ?? 'bind',
    allowHost: hostRules.allow,
    denyHost: hostRules.deny,
    // The user asked for the upgrade: what the container already had is not asked about again.
    yes: true,
    rebuildImages: false,
    recreate: true,
    connect: false,
  }
}

export interface UpgradeResult {
  name: string
  action: string
  opencodeVersion: string
}

/**
 * `caiged upgrade`: each container brought to the host client's OpenCode and a current image
 * (pulled or rebuilt), recreated with its settings and sessions.
 */
export async function upgradeContainers(
  o: { names: string[]; all: boolean },
  d: Deps,
): Promise<UpgradeResult[]> {
  if (o.names.length > 0 && o.all) throw usageError('Name containers or use --all, not both.')
  if (o.names.length === 0 && !o.all)
    throw usageError('Which containers? Name them, or use --all (caiged containers outdated lists them).')
  const hostVersion = await d.hostOpencode.version()
  if (!hostVersion) {
    throw new CaigedError('There is no OpenCode client on this machine to upgrade to.', {
      hint: 'Install it (npm i -g opencode-ai), then run caiged upgrade again.',
    })
  }
  const targets = o.all
    ? (await outdatedContainers(d)).filter((r) => r.reasons.length > 0).map((r) => r.name)
    : o.names
  const labelsOf = await Promise.all(targets.map(async (n) => (await d.containers.get(n)).Config.Labels))
  // The latest run's --allow-host/--deny-host, which the recreate keeps.
  const hostRulesOf = await Promise.all(
    targets.map(async (n) => (await loadEdits(editsFile(d.paths.egressDir, n))).flags),
  )
  const results: UpgradeResult[] = []
  const warnings: string[] = []
  // One task per container, one after another (each builds or pulls, then recreates): each run's
  // own steps show under its task.
  await taskList<object>(
    targets.map((name, i) => ({
      title: `Upgrade ${name} to OpenCode ${hostVersion}`,
      rendererOptions: { outputBar: 4, persistentOutput: false },
      task: async (_, task) => {
        const tell = (line: string) => {
          task.output = line
        }
        const io: Io = {
          ...d.io,
          progress: tell,
          warn: (message) => {
            warnings.push(`${name}: ${message}`)
            tell(message)
          },
          withinTask: tell,
        }
        const options = runOptionsFromLabels(labelsOf[i] as Record<string, string>, hostRulesOf[i])
        const r = await runAgent({ ...options, opencodeVersion: hostVersion }, { ...d, io })
        results.push({ name: r.name, action: r.action, opencodeVersion: r.opencodeVersion })
        task.title = `${name}: ${r.action} on OpenCode ${r.opencodeVersion}`
      },
    })),
    { json: d.io.json, report: d.io.withinTask },
  ).run({})
  // Said once the list is done, so they stay on screen.
  for (const warning of warnings) d.io.warn(warning)
  return results
}
