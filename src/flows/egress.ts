import { loadProjectConfig } from '../config/project.js'
import { egressModeOf } from '../containers/service.js'
import type { Deps } from '../deps.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { gatewayName } from '../egress/names.js'
import { parseEgressLine, summarize, withFixes, type EgressEvent, type EgressLogRow } from '../egress/log.js'
import { formatHostRule, parseHostRule } from '../egress/rules.js'
import { policyHash, squidRules, type EgressPolicy } from '../egress/policy.js'
import type { EgressMode } from '../egress/presets.js'
import { configuredProviders, policyFor } from '../egress/resolve.js'
import { editsFile, loadEdits, saveEdits, type EgressEdits } from '../egress/store.js'
import { CaigedError, usageError } from '../errors.js'
import { Label } from '../labels.js'
import { readSettings } from '../containers/settings-record.js'

/** An agent with an egress policy (an open one has no gateway, so nothing to show or edit). */
async function gatedAgent(name: string, d: Deps): Promise<{ agent: ContainerInspect; mode: EgressMode }> {
  const agent = await d.containers.get(name)
  const mode = egressModeOf(agent) as EgressMode
  if (mode === 'open') {
    throw usageError(
      `${agent.Name} runs with egress open: it has no gateway, so no policy and no log.`,
      `Give it one with: caiged run ${JSON.stringify(agent.Config.Labels[Label.workdir] ?? '.')} --spin ${agent.Config.Labels[Label.spin] ?? 'SPIN'} --egress balanced --recreate`,
    )
  }
  return { agent, mode }
}

/** The policy an agent's gateway should enforce now, from all its sources. */
/** The edits caiged egress allow/deny made for an agent, kept on the host. */
async function editsOf(agent: ContainerInspect, d: Deps) {
  const file = editsFile(d.paths.egressDir, agent.Name)
  return { file, edits: await loadEdits(file) }
}

/** The policy an agent's gateway should enforce with these edits, from all its other sources too. */
async function policyWith(agent: ContainerInspect, mode: EgressMode, edits: EgressEdits, d: Deps) {
  const labels = agent.Config.Labels
  const made = readSettings(labels)
  const providers = await configuredProviders(
    made.auth === 'copy' ? d.paths.hostAuthFile : undefined,
    // The keys it was given: named, and those its env file held (recorded as injected NAME@HOSTS).
    [...(made.secretEnv ?? []), ...(made.injected ?? []).map((i) => i.split('@')[0] as string)],
  )
  const workdir = made.workdir
  const project = workdir ? (await loadProjectConfig(workdir))?.config : undefined
  return policyFor({ mode, providers, spinLabels: labels, config: await d.config(), project, edits })
}

export interface PolicyView {
  name: string
  mode: EgressMode
  rules: { rule: string; effect: 'allow' | 'deny'; source: string }[]
}

const view = (name: string, policy: EgressPolicy): PolicyView => ({
  name,
  mode: policy.mode,
  rules: policy.rules.map((r) => ({ rule: formatHostRule(r.rule), effect: r.effect, source: r.source })),
})

/** `caiged egress rules NAME`: the merged policy, each rule with its source. */
export async function egressRules(o: { name: string }, d: Deps): Promise<PolicyView> {
  const { agent, mode } = await gatedAgent(o.name, d)
  return view(agent.Name, await policyWith(agent, mode, (await editsOf(agent, d)).edits, d))
}

export interface EditResult extends PolicyView {
  /** Loaded into the running gateway now, or kept for when it next runs. */
  applied: boolean
}

/**
 * `caiged egress allow|deny NAME RULE…`: kept on the host (so a recreate keeps it) and loaded into
 * the running gateway at once; the agent and its sessions are not touched.
 */
export async function editEgress(
  o: { name: string; effect: 'allow' | 'deny'; rules: string[] },
  d: Deps,
): Promise<EditResult> {
  if (o.rules.length === 0)
    throw usageError('Which hosts? Give HOST[:PORT] (or *.DOMAIN, or an IPv4 address).')
  const texts = o.rules.map((r) => formatHostRule(parseHostRule(r)))
  const { agent, mode } = await gatedAgent(o.name, d)
  const { edits, file } = await editsOf(agent, d)
  const other = o.effect === 'allow' ? 'deny' : 'allow'
  edits[o.effect] = [...new Set([...edits[o.effect], ...texts])]
  edits[other] = edits[other].filter((t) => !texts.includes(t))
  await saveEdits(file, edits)
  const policy = await policyWith(agent, mode, edits, d)
  if (o.effect === 'allow') {
    const stillDenied = policy.rules.filter(
      (r) => r.effect === 'deny' && texts.includes(formatHostRule(r.rule)),
    )
    for (const r of stillDenied)
      d.io.warn(`${formatHostRule(r.rule)} stays denied: the ${r.source} denies it, and deny wins.`)
  }
  const gateway = await d.containers.gateways.find(agent.Name)
  let applied = false
  if (gateway?.State.Running) {
    await d.containers.gateways.apply(gateway, agent.Name, squidRules(policy))
    await saveEdits(file, { ...edits, applied: { gateway: gateway.Id, hash: policyHash(policy) } })
    applied = true
  }
  return { ...view(agent.Name, policy), applied }
}

/** `caiged egress log NAME`: every destination the agent tried, with the decision, count and last time. */
export async function egressLog(o: { name: string }, d: Deps): Promise<EgressLogRow[]> {
  const gateway = await gatewayOf(o.name, d)
  const text = await d.docker.containers.logLines(gateway)
  return withFixes(o.name, summarize(text.split('\n').flatMap((line) => parseEgressLine(line) ?? [])))
}

/** `caiged egress log NAME -f`: each request as the gateway logs it, until interrupted. */
export async function followEgressLog(
  o: { name: string },
  d: Deps,
  onEvent: (event: EgressEvent) => void,
): Promise<void> {
  const gateway = await gatewayOf(o.name, d)
  await d.docker.containers.logLines(gateway, {
    follow: true,
    onLine: (line) => {
      const event = parseEgressLine(line)
      if (event) onEvent(event)
    },
  })
}

async function gatewayOf(name: string, d: Deps): Promise<string> {
  const { agent } = await gatedAgent(name, d)
  const gateway = await d.containers.gateways.find(agent.Name)
  if (!gateway) {
    throw new CaigedError(
      `${gatewayName(agent.Name)}, the egress gateway of ${agent.Name}, is gone (and its log with it).`,
      {
        hint: 'caiged run for its project makes it anew.',
      },
    )
  }
  return gateway.Id
}
