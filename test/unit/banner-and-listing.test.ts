import { describe, expect, it } from 'vitest'
import { renderBanner } from '../../src/containers/banner.js'
import { toContainerRow } from '../../src/containers/listing.js'
import type { ListedContainer } from '../../src/docker/container-client.js'

describe('renderBanner', () => {
  const info = {
    name: 'caiged-dev-a-b',
    url: 'http://127.0.0.1:4100',
    project: 'a-b',
    spin: 'dev',
    action: 'Started caiged-dev-a-b',
  }

  it('names the container, the server and how to come back', () => {
    const banner = renderBanner(info)
    expect(banner).toContain('Started caiged-dev-a-b')
    expect(banner).toContain('caiged-dev-a-b')
    expect(banner).toContain('http://127.0.0.1:4100')
    expect(banner).toContain('spin dev')
    expect(banner).toContain('project a-b')
    expect(banner).toContain('caiged containers shell caiged-dev-a-b')
    expect(banner).toContain('opencode attach http://127.0.0.1:4100 --dir /workspace')
  })

  it('reconnects by container name, not by project (the original printed the project)', () => {
    const banner = renderBanner(info)
    expect(banner).toContain('caiged connect caiged-dev-a-b')
    expect(banner).not.toMatch(/caiged connect a-b\b/)
    const line = banner.split('\n').find((l) => l.includes('Reconnect:'))
    expect(line?.trim()).toBe('Reconnect:  caiged connect caiged-dev-a-b')
  })

  it('shows no password unless given one', () => {
    const banner = renderBanner(info)
    expect(banner).not.toContain('Password:')
    expect(banner).toContain('(the password in OPENCODE_SERVER_PASSWORD; see --show-session-password)')
    expect(renderBanner({ ...info, password: '' })).not.toContain('Password:')
  })

  it('shows the password when given one', () => {
    const banner = renderBanner({ ...info, password: 'pw-SECRET-123' })
    expect(banner).toContain('Password:   pw-SECRET-123')
    // Shown once, on its own line: never inside a command a user might paste into shell history.
    expect(banner.split('pw-SECRET-123')).toHaveLength(2)
    expect(banner).not.toContain('see --show-session-password')
  })
})

function listed(
  fields: { ports?: string; state?: string; labels?: Record<string, string> } = {},
): ListedContainer {
  const labels = fields.labels ?? {}
  return {
    ID: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    Names: 'caiged-dev-a-b',
    Image: 'caiged:dev',
    State: fields.state ?? 'running',
    Status: fields.state === 'exited' ? 'Exited (0) 2 hours ago' : 'Up 5 minutes',
    Ports: fields.ports ?? '',
    CreatedAt: '2025-01-01 10:00:00 +0000 UTC',
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    labelMap: labels,
  }
}

const caigedLabels = {
  'io.caiged.managed': 'true',
  'io.caiged.spin': 'dev',
  'io.caiged.project': 'a-b',
  'io.caiged.workdir': '/home/u/my proj',
  'io.caiged.port': '4200',
  'opencode.port': '4200',
  'io.caiged.opencode-version': '1.18.33',
}

describe('toContainerRow', () => {
  it('maps a running container, its live port winning over the label', () => {
    expect(toContainerRow(listed({ ports: '127.0.0.1:4100->4096/tcp', labels: caigedLabels }))).toEqual({
      name: 'caiged-dev-a-b',
      id: '0123456789ab',
      spin: 'dev',
      project: 'a-b',
      workdir: '/home/u/my proj',
      state: 'running',
      status: 'Up 5 minutes',
      port: 4100,
      image: 'caiged:dev',
      opencodeVersion: '1.18.33',
      egress: 'open',
      gateway: 'none',
      published: [],
      signInsInside: [],
      idleStop: undefined,
    })
  })

  it('says an agent its watcher stopped is stopped while idle, and for how long, with its setting', () => {
    const entry = listed({ state: 'exited', labels: { ...caigedLabels, 'io.caiged.idle-stop': '30m' } })
    const row = toContainerRow({ ...entry, Status: 'Exited (129) 31 minutes ago' })
    expect(row).toMatchObject({ state: 'exited', idleStop: '30m', idleStoppedFor: '31m' })
    // Stopped by anyone else: no idle in it.
    expect(toContainerRow({ ...entry, Status: 'Exited (143) 31 minutes ago' }).idleStoppedFor).toBeUndefined()
  })

  it('shortens the id to 12 characters', () => {
    expect(toContainerRow(listed()).id).toBe('0123456789ab')
    expect(toContainerRow({ ...listed(), ID: 'abc' }).id).toBe('abc')
  })

  it.each([
    ['0.0.0.0:4100->4096/tcp', 4100],
    ['0.0.0.0:4100->4096/tcp, [::]:4100->4096/tcp', 4100],
    ['[::1]:4101->4096/tcp', 4101],
    ['22/tcp, 127.0.0.1:4102->4096/tcp', 4102],
  ])('reads the live port from %j', (ports, port) => {
    expect(toContainerRow(listed({ ports, labels: caigedLabels })).port).toBe(port)
  })

  it('falls back to io.caiged.port for a stopped container', () => {
    const row = toContainerRow(listed({ state: 'exited', ports: '', labels: caigedLabels }))
    expect(row.port).toBe(4200)
    expect(row.state).toBe('exited')
    expect(row.status).toBe('Exited (0) 2 hours ago')
  })

  it('ignores a mapping of another container port', () => {
    expect(toContainerRow(listed({ ports: '127.0.0.1:9999->8080/tcp', labels: caigedLabels })).port).toBe(
      4200,
    )
    expect(toContainerRow(listed({ ports: '4096/tcp', labels: caigedLabels })).port).toBe(4200)
  })

  it('then to the legacy opencode.port label of the original', () => {
    const row = toContainerRow(listed({ state: 'exited', ports: '', labels: { 'opencode.port': '4300' } }))
    expect(row.port).toBe(4300)
  })

  it('prefers io.caiged.port over the legacy label', () => {
    const labels = { 'io.caiged.port': '4200', 'opencode.port': '4300' }
    expect(toContainerRow(listed({ state: 'exited', labels })).port).toBe(4200)
  })

  it('has no port without a mapping or a label', () => {
    expect(toContainerRow(listed({ state: 'exited' })).port).toBeUndefined()
  })

  it.each(['abc', '', '0', '-1', '65536', '99999', '4100.5', '4100abc'])(
    'gives no port for the label %j',
    (value) => {
      expect(
        toContainerRow(listed({ state: 'exited', labels: { 'io.caiged.port': value } })).port,
      ).toBeUndefined()
      expect(
        toContainerRow(listed({ state: 'exited', labels: { 'opencode.port': value } })).port,
      ).toBeUndefined()
    },
  )

  it('gives no port for garbage in Ports', () => {
    expect(toContainerRow(listed({ ports: 'garbage' })).port).toBeUndefined()
    expect(toContainerRow(listed({ ports: '127.0.0.1:abc->4096/tcp' })).port).toBeUndefined()
    expect(toContainerRow(listed({ ports: '127.0.0.1:99999->4096/tcp' })).port).toBeUndefined()
  })

  it('reads spin, project, workdir and version from the labels, empty when missing', () => {
    const row = toContainerRow(listed({ labels: caigedLabels }))
    expect([row.spin, row.project, row.workdir, row.opencodeVersion]).toEqual([
      'dev',
      'a-b',
      '/home/u/my proj',
      '1.18.33',
    ])
    const bare = toContainerRow(listed())
    expect([bare.spin, bare.project, bare.workdir, bare.opencodeVersion]).toEqual(['', '', '', ''])
  })

  it('reads labels from labelMap, not the raw string', () => {
    const entry = { ...listed({ labels: caigedLabels }), Labels: 'io.caiged.spin=other' }
    expect(toContainerRow(entry).spin).toBe('dev')
  })
})
