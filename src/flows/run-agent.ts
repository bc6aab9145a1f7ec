import { portInside, serverUrl } from '../containers/server.js'
import type { Deps } from '../deps.js'
import { containerSettingsFor } from './run/container-settings.js'
import { reconcileRun } from './run/converge-loop.js'
import { credentialsFor } from './run/credentials-step.js'
import { settingsForEngine } from './run/engine-step.js'
import { RunEgress } from './run/egress-step.js'
import { wantedImage } from './run/image-step.js'
import { checkRunInputs } from './run/inputs.js'
import { lookUpRun } from './run/lookup.js'

export type { RunImage, RunOptions, RunResult } from './run/options.js'
import type { RunOptions, RunResult } from './run/options.js'

/**
 * `caiged run`: make sure the project's container runs an up-to-date image with the settings asked
 * for, and that its server answers. Everything the user gave is checked before anything is built
 * or created; a container this run did not make is never removed or replaced unasked. Its steps:
 * check and plan (run/inputs.ts, run/plan.ts), look up (run/lookup.ts), the image wanted
 * (run/image-step.ts), the gateway's owner (run/egress-step.ts), then the reconcile loop
 * (run/converge-loop.ts).
 */
export async function runAgent(o: RunOptions, d: Deps): Promise<RunResult> {
  const plan = await checkRunInputs(o, d)
  const found = await lookUpRun(o, plan, d)
  const credentials = await credentialsFor(o, plan, found, d)
  const host = { ghDir: d.paths.hostGhDir, gatewayCaCert: d.paths.gatewayCaCertFile }
  // An engine on another machine: the project as a copy, host files copied in (run/engine-step.ts).
  const settings = await settingsForEngine(
    containerSettingsFor(o, plan, found, host, credentials),
    o,
    plan,
    d,
  )
  if (o.network) {
    d.io.warn(
      `The agent joins the network ${o.network}: it can reach every container on it (caiged gives each agent a network of its own otherwise).`,
    )
  }
  const wanted = await wantedImage(o, plan, found, d)
  const given = { copiesAuth: found.authMtime !== undefined, credentials: credentials.injected }
  const egress = await RunEgress.prepare(o, plan, given, d)
  const authCopy = credentials.authCopy
  const done = await reconcileRun({ o, plan, found, settings, wanted, egress, authCopy }, d)
  // A copy of the project: filled once, when the agent first runs (then it is the agent's).
  if (settings.workspace === 'copy') {
    const { fillWorkspaceCopy } = await import('./workspace/fill.js')
    await fillWorkspaceCopy(plan.name, plan.workdir, plan.projectConfig.copy?.exclude ?? [], d)
  }
  return {
    name: plan.name,
    spin: found.spin.name,
    project: plan.project,
    workdir: plan.workdir,
    // The engine's loopback port as this machine reaches it (a forward when the engine is elsewhere).
    url: serverUrl(await d.engine.reach(done.port, portInside(plan.name))),
    port: done.port,
    action: done.action,
    opencodeVersion: done.serverVersion,
    image: done.image,
    egress: plan.egressMode,
    workspace: settings.workspace,
    engine: d.engine.label,
    engineHere: await d.engine.onThisMachine(),
    password: found.password,
    hostVersion: found.hostVersion,
  }
}
