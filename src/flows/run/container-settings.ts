import { mergePublished } from '../../containers/publish.js'
import { networkName, toolsVolumeName, volumeName, type ContainerSettings } from '../../containers/request.js'
import type { InjectedCredential } from '../../egress/credentials.js'
import { outwardNetwork } from '../../egress/resolve.js'
import { formatHostRule } from '../../egress/rules.js'
import type { RunOptions } from './options.js'
import type { RunLookups } from './lookup.js'
import type { RunPlan } from './plan.js'

/** How the container is to be made, from the plan and what was found (pure). */
export function containerSettingsFor(
  o: Pick<RunOptions, 'network' | 'publish'>,
  plan: RunPlan & { envFile: string | undefined },
  found: Pick<RunLookups, 'spin' | 'socket' | 'ssh' | 'git' | 'authMtime' | 'hasGhDir'>,
  host: { ghDir: string; gatewayCaCert: string },
  credentials: { injected: InjectedCredential[]; authInside: string[]; ghDir?: string } = {
    injected: [],
    authInside: [],
  },
): ContainerSettings {
  const { name, settings, egressMode } = plan
  return {
    name,
    spin: found.spin.name,
    project: plan.project,
    workdir: plan.workdir,
    volume: volumeName(name),
    toolsVolume: toolsVolumeName(name),
    gh: { mode: settings.gh, hostDir: credentials.ghDir ?? (found.hasGhDir ? host.ghDir : undefined) },
    auth: found.authMtime === undefined ? 'none' : 'copy',
    dockerSocket: found.socket,
    secretEnvNames: plan.secrets.names,
    injected: credentials.injected.map((c) => ({
      name: c.name,
      hosts: c.hosts.map(formatHostRule),
      placeholder: c.placeholder,
    })),
    gatewayCaCert: credentials.injected.length ? host.gatewayCaCert : undefined,
    authInside: credentials.authInside,
    secretEnvFile: plan.envFile,
    envFileNames: plan.secrets.fromFile,
    git: found.git,
    ssh: found.ssh,
    resources: settings.resources,
    network: o.network ? { name: o.network, own: false } : { name: networkName(name), own: true },
    egress:
      egressMode === 'open' ? { mode: 'open' } : { mode: egressMode, outward: outwardNetwork(plan.config) },
    publish: mergePublished(o.publish, plan.projectConfig.publish, plan.userConfig.publish),
    idleStopAfter: settings.idleStopAfter,
    workspace: settings.workspace,
  }
}
