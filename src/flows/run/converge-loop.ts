import { decide, type ExistingContainer } from '../../containers/reconcile.js'
import type { ContainerSettings } from '../../containers/request.js'
import { ContainerGoneError, NameTakenError, portOf, type ReconcileAction } from '../../containers/service.js'
import { readSettings, settingsRecord } from '../../containers/settings-record.js'
import type { Deps } from '../../deps.js'
import type { ContainerInspect } from '../../docker/schemas.js'
import { CaigedError, CancelledError, ExitCode } from '../../errors.js'
import type { ImageChoice } from '../../images/source.js'
import { Label } from '../../labels.js'
import type { Applicable } from '../converge.js'
import type { RunImage, RunOptions } from './options.js'
import type { RunEgress } from './egress-step.js'
import { chooseRunImage, type WantedImage } from './image-step.js'
import type { RunLookups } from './lookup.js'
import type { RunPlan } from './plan.js'

/** A lost create race or a container removed meanwhile: look again, at most this often. */
const MAX_ROUNDS = 4
/** How long a name another process reserved may take to become a container: 100 polls of 100 ms. */
const NAME_WAIT_POLLS = 100

/** Everything the loop works from: the earlier steps' results. */
export interface ConvergeInput {
  o: RunOptions
  plan: RunPlan
  found: RunLookups
  settings: ContainerSettings
  wanted: WantedImage
  egress: RunEgress
  /** OpenCode's auth.json as the agent gets it (its injected keys as placeholders); undefined: none. */
  authCopy: string | undefined
}

/** What the loop reached: the container's port, what it did, its server's version and image. */
export interface Converged {
  port: number
  action: ReconcileAction
  serverVersion: string
  image: RunImage
}

/**
 * The last step: apply the reconcile decision (reconcile.ts) until the container runs as asked
 * and its server answers. A lost race (another run made or removed the container meanwhile) is
 * looked at again and decided anew; a container this run did not make is never replaced unasked.
 */
export async function reconcileRun(s: ConvergeInput, d: Deps): Promise<Converged> {
  const { o, plan } = s
  const want = {
    workdir: plan.workdir,
    settings: settingsRecord(s.settings),
    imageFingerprints: s.wanted.fingerprints,
  }
  const flags = {
    recreate: o.recreate,
    yes: o.yes,
    rebuild: o.rebuildImages,
    refresh: plan.pull === 'always',
  }
  let existing = s.found.agent
  let choice: ImageChoice | undefined
  for (let round = 1; ; round++) {
    let decision = decide(asExisting(existing), want, undefined, flags)
    if (decision.action === 'inspect-image') {
      choice ??= await chooseRunImage(o, plan, s.found, s.wanted, d)
      decision = decide(asExisting(existing), want, choice, flags)
    }
    if (decision.action === 'refuse') throw nameTakenByOther(plan.name, decision.owner, plan.workdir)
    if (decision.needsConfirmation) await confirmRecreate(plan.name, decision.drift, d)
    if (decision.action === 'reuse' && existing) {
      // The warm path: one docker process (the container inspect: its labels say its image is
      // current) and one health check.
      await s.egress.hold(existing, round === 1 ? (s.found.gateway ?? null) : undefined)
      const health = await d.containers.waitHealthy(
        plan.name,
        portOf(existing) as number,
        s.found.password,
        30_000,
      )
      return {
        port: portOf(existing) as number,
        action: 'reused',
        serverVersion: health.version,
        image: imageOf(existing),
      }
    }
    try {
      // Not reuse, so start, create or recreate: what converge.ts applies.
      return await applyOnce(s, decision as Applicable, existing, choice, d)
    } catch (error) {
      // Another run made (or removed) the container meanwhile: look again and decide anew.
      const raced = error instanceof NameTakenError || error instanceof ContainerGoneError
      if (!raced || round >= MAX_ROUNDS) throw error
      existing = await lookAgain(plan.name, error, d)
    }
  }
}

/** The slow path, once: build, start, create or recreate (see converge.ts), then the server. */
async function applyOnce(
  s: ConvergeInput,
  decision: Applicable,
  existing: ContainerInspect | undefined,
  choice: ImageChoice | undefined,
  d: Deps,
): Promise<Converged> {
  // Not the warm path: a health check started ahead (cli/ahead.ts) asked the container as it
  // was, which this run is about to start, create or replace.
  d.prefetched.discard()
  const used: RunImage = choice
    ? { ref: choice.ref, digest: choice.digest, source: choice.source }
    : existing
      ? imageOf(existing)
      : { ref: s.found.localRef, digest: undefined, source: 'local' }
  const { applyDecision } = await import('../converge.js')
  const applied = await applyDecision({
    deps: d,
    service: d.containers,
    decision,
    existing,
    request: {
      ...s.settings,
      image: used.ref,
      opencodeVersion: s.wanted.version,
      imageFingerprint: choice?.fingerprint ?? (s.wanted.fingerprints[0] as string),
      imageSource: used.source,
      imageDigest: used.digest,
    },
    secrets: { password: s.found.password, values: s.plan.secrets.values },
    build: {
      spinName: s.found.spin.name,
      workdir: s.plan.workdir,
      inputs: choice?.onBase?.inputs ?? s.wanted.inputs,
      builder: s.o.builder,
      onBase: choice?.onBase?.ref,
      extraPackages: s.found.variant.extraPackages,
    },
    auth: authCopyOf(s, existing, d),
    gateway: s.egress.gated ? s.egress.gatewayFor : undefined,
    gatewayMaker: existing ? s.egress.makerFor(existing) : undefined,
  })
  // A stopped agent's gateway was started as it was: it gets today's policy too.
  if (applied.action === 'started' && existing) await s.egress.hold(existing, undefined)
  return { port: applied.port, action: applied.action, serverVersion: applied.serverVersion, image: used }
}

/**
 * The auth.json to copy in, and the time it counts as written: the host file's, so a copy the
 * agent's OpenCode refreshed since is kept; but now when what goes in changed by the user's say
 * (the sign-ins let in), which the kept copy does not have.
 */
function authCopyOf(
  s: ConvergeInput,
  existing: ContainerInspect | undefined,
  d: Pick<Deps, 'clock'>,
): { content: string; mtime: number } | undefined {
  if (s.found.authMtime === undefined || s.authCopy === undefined) return undefined
  const had = existing ? (readSettings(existing.Config.Labels).authInside ?? []) : []
  const changed = had.join(',') !== [...s.settings.authInside].sort().join(',')
  return { content: s.authCopy, mtime: changed ? Math.ceil(d.clock.now() / 1000) : s.found.authMtime }
}

/**
 * The container after a lost race. docker reserves a name before the container it is creating can
 * be inspected (the first one from an image takes a while to prepare): wait for the other process's.
 */
async function lookAgain(name: string, error: unknown, d: Deps): Promise<ContainerInspect | undefined> {
  let existing = await d.containers.find(name)
  for (let i = 0; !existing && error instanceof NameTakenError && i < NAME_WAIT_POLLS; i++) {
    await d.clock.sleep(100)
    existing = await d.containers.find(name)
  }
  return existing
}

/** The image a container runs, as its labels recorded it. */
function imageOf(c: ContainerInspect): RunImage {
  const source = c.Config.Labels[Label.imageSource]
  return {
    ref: c.Config.Image,
    digest: c.Config.Labels[Label.imageDigest],
    source: source === 'registry' || source === 'build' ? source : 'local',
  }
}

function asExisting(c: ContainerInspect | undefined): ExistingContainer | undefined {
  return c && { id: c.Id, running: c.State.Running, imageId: c.Image, labels: c.Config.Labels }
}

function nameTakenByOther(name: string, owner: string, workdir: string): CaigedError {
  return new CaigedError(
    `The container name ${name} belongs to the project at ${owner}, not to ${workdir}; caiged leaves it alone.`,
    {
      exitCode: ExitCode.Usage,
      hint:
        'Give this project a name of its own with --project NAME. If you moved the project, remove the old ' +
        `container first (caiged containers rm ${name}; its sessions volume is kept and reused).`,
    },
  )
}

/** Settings that differ from how the container was made are never silently ignored. */
async function confirmRecreate(name: string, drift: string[], d: Pick<Deps, 'io'>): Promise<void> {
  const list = drift.length ? drift.join('; ') : 'it records no port'
  let ok: boolean
  try {
    ok = await d.io.confirm(
      `${name} was made with other settings (${list}). Recreate it? Sessions are kept.`,
      '--recreate',
    )
  } catch (error) {
    if (!(error instanceof CaigedError)) throw error
    throw new CaigedError(`${name} was made with other settings: ${list}.`, {
      exitCode: error.exitCode,
      hint: 'Run again with --recreate to apply them (sessions are kept), or with the settings it was made with.',
    })
  }
  if (!ok) throw new CancelledError(`${name} keeps its settings (${list}).`)
}
