import { describe, expect, it } from 'vitest'
import type { ContainerSettings } from '../../../src/containers/request.js'
import { containerLabels } from '../../../src/containers/settings-record.js'
import { runOptionsFromLabels } from '../../../src/flows/upgrade.js'
import { Label } from '../../../src/labels.js'

describe('runOptionsFromLabels', () => {
  it('reads back the run that made a container, so an upgrade finds no other difference', () => {
    const settings: ContainerSettings = {
      name: 'caiged-dev-code-app',
      spin: 'dev',
      project: 'code-app',
      workdir: '/home/u/code/app',
      volume: 'caiged-dev-code-app-data',
      toolsVolume: 'caiged-dev-code-app-tools',
      gh: { mode: 'rw', hostDir: '/home/u/.config/gh' },
      auth: 'none',
      dockerSocket: undefined,
      secretEnvNames: ['B', 'A'],
      injected: [],
      gatewayCaCert: undefined,
      authInside: [],
      secretEnvFile: '/home/u/s.env',
      git: { mode: 'agent', name: 'Bot', email: 'bot@example.com' },
      ssh: { key: '/home/u/.ssh/agent' },
      resources: {},
      network: { name: 'caiged-dev-code-app-net', own: true },
      egress: { mode: 'locked', outward: 'caiged-egress' },
      publish: [{ container: 3000, host: 3001 }],
      idleStopAfter: 5400,
      workspace: 'copy',
    }
    const labels = containerLabels({
      ...settings,
      image: 'caiged:dev',
      opencodeVersion: '1.18.33',
      hostPort: 4100,
      imageFingerprint: 'f',
    })
    expect(runOptionsFromLabels(labels)).toMatchObject({
      workdir: '/home/u/code/app',
      spin: 'dev',
      project: 'code-app',
      secretEnv: ['A', 'B'],
      secretEnvFile: '/home/u/s.env',
      gh: 'rw',
      opencodeAuth: false,
      dockerSocket: false,
      gitIdentity: 'agent',
      sshKey: '/home/u/.ssh/agent',
      sshAgent: false,
      network: undefined,
      egress: 'locked',
      publish: ['3000:3001'],
      idleStop: '1h30m',
      workspace: 'copy',
      yes: true,
      connect: false,
    })
  })

  it('takes a container made before egress policies as open, on the network it named', () => {
    expect(
      runOptionsFromLabels({ [Label.workdir]: '/p', [Label.network]: 'shared', [Label.ssh]: 'agent' }),
    ).toMatchObject({
      egress: 'open',
      network: 'shared',
      sshAgent: true,
      sshKey: undefined,
      gitIdentity: 'none',
    })
  })

  it('keeps the --allow-host/--deny-host the latest run gave', () => {
    const rules = { allow: ['api.example.com', '*.cdn.example:443'], deny: ['bad.example'] }
    expect(runOptionsFromLabels({ [Label.workdir]: '/p' }, rules)).toMatchObject({
      allowHost: ['api.example.com', '*.cdn.example:443'],
      denyHost: ['bad.example'],
    })
    // A container whose runs gave none keeps none (not "whatever the flags default to").
    expect(runOptionsFromLabels({ [Label.workdir]: '/p' })).toMatchObject({ allowHost: [], denyHost: [] })
  })
})
