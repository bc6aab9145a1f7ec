import type { ContainerSettings } from '../../src/containers/request.js'

/**
 * The settings of a plain agent named `name` for `workdir`: no mounts beyond the project, no
 * secrets, egress open, its own network; `more` changes what a test is about.
 */
export function plainSettings(
  name: string,
  workdir: string,
  more: Partial<ContainerSettings> = {},
): ContainerSettings {
  return {
    name,
    spin: 'dev',
    project: name.split('-').slice(2).join('-'),
    workdir,
    volume: `${name}-data`,
    toolsVolume: `${name}-tools`,
    gh: { mode: 'none', hostDir: undefined },
    auth: 'none',
    dockerSocket: undefined,
    secretEnvNames: [],
    injected: [],
    gatewayCaCert: undefined,
    authInside: [],
    secretEnvFile: undefined,
    git: { mode: 'none' },
    ssh: {},
    resources: {},
    network: { name: `${name}-net`, own: true },
    egress: { mode: 'open' },
    publish: [],
    idleStopAfter: 0,
    workspace: 'bind',
    ...more,
  }
}
