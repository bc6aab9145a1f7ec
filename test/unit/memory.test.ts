import fs from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { formatMiB, parseDockerSize, usedMemory } from '../../src/docker/memory.js'
import { memoryCheck } from '../../src/flows/doctor.js'
import { listContainers } from '../../src/flows/containers.js'
import { Label } from '../../src/labels.js'
import { FakeDocker, testDeps } from '../support/fakes.js'

describe('memory as docker stats prints it', () => {
  it.each([
    ['0B', 0],
    ['420KiB', 420 * 1024],
    ['282.8MiB', Math.round(282.8 * 1024 ** 2)],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['12MB', 12e6],
    ['nonsense', undefined],
    ['12 parsecs', undefined],
  ])('%s is %s bytes', (text, bytes) => {
    expect(parseDockerSize(text)).toBe(bytes)
  })

  it('reads the used side of MemUsage, and shows bytes as whole MiB', () => {
    expect(usedMemory('282.8MiB / 23.54GiB')).toBe(Math.round(282.8 * 1024 ** 2))
    expect(formatMiB(282.8 * 1024 ** 2)).toBe('283 MiB')
  })
})

describe('what running agents hold', () => {
  const agent = (name: string) => ({ Names: name, labelMap: {} })
  const gateway = (name: string) => ({ Names: name, labelMap: { [Label.role]: 'egress' } })

  it('doctor sums agents and gateways apart', () => {
    const mib = 1024 ** 2
    const usage = new Map([
      ['a', 250 * mib],
      ['a-egress', 13 * mib],
      ['b', 240 * mib],
    ])
    expect(memoryCheck([agent('a'), gateway('a-egress'), agent('b')], usage)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^2 running agents hold 490 MiB, their gateways 13 MiB; /),
    })
  })

  it('containers list --memory asks one docker stats for the running agents and their gateways', async () => {
    const ps = (name: string, state: string, labels: Record<string, string>) =>
      JSON.stringify({
        ID: `id-${name}`,
        Names: name,
        Image: 'caiged:dev',
        State: state,
        Status: state === 'running' ? 'Up 1 minute' : 'Exited (129) 5 minutes ago',
        Ports: '',
        CreatedAt: '2026-12-01 10:00:00 +0000 UTC',
        Labels: Object.entries({ [Label.managed]: 'true', ...labels })
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      })
    const docker = new FakeDocker()
      .on(/^ps /, {
        stdout: [
          ps('caiged-dev-a', 'running', { [Label.egress]: 'balanced' }),
          ps('caiged-dev-a-egress', 'running', { [Label.role]: 'egress', [Label.container]: 'caiged-dev-a' }),
          ps('caiged-dev-b', 'exited', { [Label.egress]: 'open' }),
        ].join('\n'),
      })
      .on(/^stats --no-stream --format \{\{json \.\}\} -- caiged-dev-a caiged-dev-a-egress$/, {
        stdout: [
          '{"Name":"caiged-dev-a","MemUsage":"250MiB / 23GiB"}',
          '{"Name":"caiged-dev-a-egress","MemUsage":"13MiB / 23GiB"}',
        ].join('\n'),
      })
    const d = testDeps({ docker })
    onTestFinished(() => fs.rmSync(d.root, { recursive: true, force: true }))
    const rows = await listContainers({ passwords: false, memory: true }, d)
    expect(rows.map((r) => [r.name, r.memory])).toEqual([
      ['caiged-dev-a', { agent: 250 * 1024 ** 2, gateway: 13 * 1024 ** 2 }],
      ['caiged-dev-b', undefined],
    ])
  })
})
