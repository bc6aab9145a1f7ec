import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { mount, runSpec } from '../../src/containers/docker-run-args.js'
import { volumeName, type ContainerRequest } from '../../src/containers/request.js'
import {
  containerLabels,
  readSettings,
  settingsDrift,
  settingsRecord,
} from '../../src/containers/settings-record.js'

const PASSWORD = 'pw-SECRET-123'
const SECRETS = { password: PASSWORD, values: { A_TOKEN: 'tok-VALUE-xyz', B_TOKEN: 'tok-VALUE-abc' } }

function request(overrides: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    name: 'caiged-dev-a-b',
    image: 'caiged:dev',
    workdir: '/home/u/my proj',
    hostPort: 4100,
    volume: 'caiged-dev-a-b-data',
    toolsVolume: 'caiged-dev-a-b-tools',
    gh: { mode: 'ro', hostDir: '/home/u/.config/gh' },
    auth: 'copy',
    dockerSocket: undefined,
    secretEnvNames: ['B_TOKEN', 'A_TOKEN'],
    injected: [],
    gatewayCaCert: undefined,
    authInside: [],
    secretEnvFile: '/home/u/secrets.env',
    spin: 'dev',
    project: 'a-b',
    opencodeVersion: '1.18.33',
    git: { mode: 'none' },
    ssh: {},
    resources: {},
    network: { name: 'caiged-dev-a-b-net', own: true },
    egress: { mode: 'open' },
    publish: [],
    idleStopAfter: 0,
    workspace: 'bind',
    imageFingerprint: 'f1ng3rpr1nt',
    ...overrides,
  }
}

/** The settings record a container made with these args carries, read back by its codec. */
function settingsOf(args: string[]) {
  return readSettings(labelsOf(args))
}

/** Every value that follows an occurrence of `flag` in argv. */
function valuesOf(args: string[], flag: string): string[] {
  const values: string[] = []
  args.forEach((arg, i) => {
    const next = args[i + 1]
    if (arg === flag && next !== undefined) values.push(next)
  })
  return values
}

/** The --label arguments as a map (split at the first "="). */
function labelsOf(args: string[]): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const value of valuesOf(args, '--label')) {
    const eq = value.indexOf('=')
    labels[value.slice(0, eq)] = value.slice(eq + 1)
  }
  return labels
}

const mountTo = (args: string[], dst: string) =>
  valuesOf(args, '--mount').filter((m) => m.split(',').includes(`dst=${dst}`))

describe('runSpec', () => {
  const { args, env } = runSpec(request(), SECRETS)

  it('starts with the name and the hostname', () => {
    expect(args.slice(0, 4)).toEqual(['--name', 'caiged-dev-a-b', '--hostname', 'caiged-dev-a-b'])
  })

  it('runs with tini, no new privileges and no capabilities', () => {
    expect(args).toContain('--init')
    expect(valuesOf(args, '--security-opt')).toEqual(['no-new-privileges'])
    expect(valuesOf(args, '--cap-drop')).toEqual(['ALL'])
    expect(args).not.toContain('--privileged')
    expect(args).not.toContain('--cap-add')
  })

  it('publishes the server on 127.0.0.1 only', () => {
    expect(valuesOf(args, '-p')).toEqual(['127.0.0.1:4100:4096'])
    expect(args).not.toContain('-P')
    expect(args).not.toContain('--publish')
    expect(args).not.toContain('--publish-all')
    expect(args).not.toContain('4100:4096')
    expect(args.some((a) => a.includes('0.0.0.0'))).toBe(false)
  })

  it('mounts the project folder read-write at /workspace, spaces unquoted', () => {
    expect(mountTo(args, '/workspace')).toEqual(['type=bind,src=/home/u/my proj,dst=/workspace'])
  })

  it('mounts the sessions volume, labelled as caiged-managed', () => {
    expect(mountTo(args, '/home/agent/.local/share/opencode')).toEqual([
      'type=volume,src=caiged-dev-a-b-data,dst=/home/agent/.local/share/opencode,volume-label=io.caiged.managed=true',
    ])
  })

  it('keeps what the agent installs in user space (~/.local) in a volume of its own, mounted before the sessions one', () => {
    expect(mountTo(args, '/home/agent/.local')).toEqual([
      'type=volume,src=caiged-dev-a-b-tools,dst=/home/agent/.local,volume-label=io.caiged.managed=true',
    ])
    const mounts = valuesOf(args, '--mount')
    expect(mounts.findIndex((m) => m.includes('dst=/home/agent/.local,'))).toBeLessThan(
      mounts.findIndex((m) => m.includes('dst=/home/agent/.local/share/opencode')),
    )
  })

  it('mounts the GitHub config read-only', () => {
    const [gh, ...rest] = mountTo(args, '/home/agent/.config/gh')
    expect(rest).toEqual([])
    expect(gh).toBe('type=bind,src=/home/u/.config/gh,dst=/home/agent/.config/gh,readonly')
    expect(gh?.endsWith(',readonly')).toBe(true)
  })

  it('passes no --env-file: docker would write every value of it into the container config', () => {
    expect(args).not.toContain('--env-file')
    expect(args.some((a) => a.includes('secrets.env') && !a.startsWith('io.caiged.'))).toBe(false)
  })

  it('names the password and the secrets with -e, without values', () => {
    const names = valuesOf(args, '-e')
    expect(names).toContain('OPENCODE_SERVER_PASSWORD')
    expect(names).toContain('A_TOKEN')
    expect(names).toContain('B_TOKEN')
    for (const name of ['OPENCODE_SERVER_PASSWORD', 'A_TOKEN', 'B_TOKEN']) {
      expect(names.filter((n) => n.startsWith(`${name}=`))).toEqual([])
    }
    expect(names).toEqual(
      expect.arrayContaining(['AGENT_SPIN=dev', 'AGENT_DAEMON=1', 'AGENT_WORKDIR=/workspace']),
    )
  })

  it('ends with the image', () => {
    expect(args.at(-1)).toBe('caiged:dev')
    expect(args.filter((a) => a === 'caiged:dev')).toHaveLength(1)
  })

  it('puts no secret value in any argument', () => {
    for (const secret of [PASSWORD, 'tok-VALUE-xyz', 'tok-VALUE-abc', 'SECRET', 'VALUE']) {
      expect(args.filter((a) => a.includes(secret))).toEqual([])
    }
    expect(JSON.stringify(args)).not.toMatch(/SECRET|VALUE/)
  })

  it('gives the values in env only', () => {
    expect(env).toEqual({
      OPENCODE_SERVER_PASSWORD: PASSWORD,
      A_TOKEN: 'tok-VALUE-xyz',
      B_TOKEN: 'tok-VALUE-abc',
    })
  })

  it('gives an empty value for a secret it was not given', () => {
    const spec = runSpec(request({ secretEnvNames: ['C_TOKEN'] }), SECRETS)
    expect(spec.env).toEqual({ OPENCODE_SERVER_PASSWORD: PASSWORD, C_TOKEN: '' })
    expect(valuesOf(spec.args, '-e')).toContain('C_TOKEN')
  })

  it('labels the container', () => {
    expect(labelsOf(args)).toMatchObject({
      'io.caiged.managed': 'true',
      'io.caiged.spin': 'dev',
      'io.caiged.project': 'a-b',
      'io.caiged.workdir': '/home/u/my proj',
      'io.caiged.port': '4100',
      'opencode.port': '4100',
      'io.caiged.opencode-version': '1.18.33',
      'io.caiged.volume': 'caiged-dev-a-b-data',
      'io.caiged.tools-volume': 'caiged-dev-a-b-tools',
      'io.caiged.egress': 'open',
      'io.caiged.publish': '',
    })
    expect(settingsOf(args)).toMatchObject({
      gh: 'ro',
      auth: 'copy',
      dockerSocket: false,
      secretEnv: ['A_TOKEN', 'B_TOKEN'],
      secretEnvFile: '/home/u/secrets.env',
    })
    expect(labelsOf(args)).toEqual(containerLabels(request()))
    expect(
      valuesOf(args, '--label').every((l) => l.startsWith('io.caiged.') || l.startsWith('opencode.')),
    ).toBe(true)
  })

  it('does not sort the request it was given', () => {
    const r = request()
    runSpec(r, SECRETS)
    containerLabels(r)
    expect(r.secretEnvNames).toEqual(['B_TOKEN', 'A_TOKEN'])
  })

  it('records the env file by path, and none when there is none', () => {
    expect(settingsOf(args).secretEnvFile).toBe('/home/u/secrets.env')
    const spec = runSpec(request({ secretEnvFile: undefined }), SECRETS)
    expect(spec.args).not.toContain('--env-file')
    expect(settingsOf(spec.args).secretEnvFile).toBe('')
  })

  describe('GitHub config', () => {
    it('mounts read-write with mode rw', () => {
      const spec = runSpec(request({ gh: { mode: 'rw', hostDir: '/home/u/.config/gh' } }), SECRETS)
      expect(mountTo(spec.args, '/home/agent/.config/gh')).toEqual([
        'type=bind,src=/home/u/.config/gh,dst=/home/agent/.config/gh',
      ])
      expect(spec.args.some((a) => a.includes('readonly'))).toBe(false)
      expect(settingsOf(spec.args).gh).toBe('rw')
    })

    it('mounts nothing when the host has no gh folder, and labels it none', () => {
      const spec = runSpec(request({ gh: { mode: 'ro', hostDir: undefined } }), SECRETS)
      expect(mountTo(spec.args, '/home/agent/.config/gh')).toEqual([])
      expect(spec.args.some((a) => a.includes('.config/gh'))).toBe(false)
      expect(settingsOf(spec.args).gh).toBe('none')
    })

    it('mounts nothing with mode none', () => {
      const spec = runSpec(request({ gh: { mode: 'none', hostDir: '/home/u/.config/gh' } }), SECRETS)
      expect(mountTo(spec.args, '/home/agent/.config/gh')).toEqual([])
      expect(spec.args.some((a) => a.includes('.config/gh'))).toBe(false)
      expect(settingsOf(spec.args).gh).toBe('none')
    })
  })

  describe('Docker socket', () => {
    it('mounts the socket and adds its group when asked', () => {
      const spec = runSpec(request({ dockerSocket: { path: '/var/run/docker.sock', gid: 998 } }), SECRETS)
      expect(mountTo(spec.args, '/var/run/docker.sock')).toEqual([
        'type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock',
      ])
      expect(valuesOf(spec.args, '--group-add')).toEqual(['998'])
      expect(settingsOf(spec.args).dockerSocket).toBe(true)
      expect(spec.args.at(-1)).toBe('caiged:dev')
    })

    it('mounts a socket from another path at the standard path', () => {
      const spec = runSpec(request({ dockerSocket: { path: '/run/user/1000/docker.sock', gid: 0 } }), SECRETS)
      expect(mountTo(spec.args, '/var/run/docker.sock')).toEqual([
        'type=bind,src=/run/user/1000/docker.sock,dst=/var/run/docker.sock',
      ])
      expect(valuesOf(spec.args, '--group-add')).toEqual(['0'])
    })

    it('has neither without it', () => {
      expect(args).not.toContain('--group-add')
      expect(args.some((a) => a.includes('docker.sock'))).toBe(false)
      expect(settingsOf(args).dockerSocket).toBe(false)
    })
  })

  it('quotes a project path with a comma so docker reads it as one field', () => {
    const spec = runSpec(request({ workdir: '/home/u/a,b' }), SECRETS)
    expect(mountTo(spec.args, '/workspace')).toEqual(['type=bind,"src=/home/u/a,b",dst=/workspace'])
    expect(valuesOf(spec.args, '--mount')).toContain('type=bind,"src=/home/u/a,b",dst=/workspace')
    expect(labelsOf(spec.args)['io.caiged.workdir']).toBe('/home/u/a,b')
  })
})

describe('runSpec with an env file', () => {
  const REAL_KEY = 'sk-REALKEY-0123456789'
  const PLACEHOLDER = 'sk-placeholder0123456789'
  const values = { ...SECRETS.values, FILE_TOKEN: 'file-VALUE-123', OPENAI_API_KEY: REAL_KEY, PATH: '/x' }
  const injected = [{ name: 'OPENAI_API_KEY', hosts: ['api.openai.com'], placeholder: PLACEHOLDER }]
  const r = request({
    egress: { mode: 'balanced', outward: 'caiged-egress' },
    secretEnvNames: ['A_TOKEN'],
    envFileNames: [
      'FILE_TOKEN',
      'OPENAI_API_KEY',
      'A_TOKEN',
      'PATH',
      'OPENCODE_SERVER_PASSWORD',
      'HTTP_PROXY',
    ],
    injected,
  })
  const { args, env } = runSpec(r, { password: PASSWORD, values })

  it('passes its names as -e NAME, as --secret-env does, and no --env-file', () => {
    expect(args).not.toContain('--env-file')
    const named = valuesOf(args, '-e')
    for (const name of ['FILE_TOKEN', 'OPENAI_API_KEY', 'PATH']) expect(named).toContain(name)
    expect(args.at(-1)).toBe('caiged:dev')
  })

  it('puts no value of it in any argument', () => {
    for (const value of ['file-VALUE-123', REAL_KEY, PLACEHOLDER, PASSWORD]) {
      expect(args.filter((a) => a.includes(value))).toEqual([])
    }
  })

  it('gives an injected name its placeholder, the others their real value, in env only', () => {
    expect(env.OPENAI_API_KEY).toBe(PLACEHOLDER)
    expect(Object.values(env)).not.toContain(REAL_KEY)
    expect(env.FILE_TOKEN).toBe('file-VALUE-123')
    expect(env.PATH).toBe('/x')
  })

  it('leaves to the -e before it what that sets: --secret-env, the password, the proxy (docker’s -e won over --env-file)', () => {
    const named = valuesOf(args, '-e')
    expect(named.filter((n) => n === 'A_TOKEN')).toHaveLength(1)
    expect(named.filter((n) => n.split('=')[0] === 'OPENCODE_SERVER_PASSWORD')).toHaveLength(1)
    expect(named.filter((n) => n.split('=')[0] === 'HTTP_PROXY')).toEqual([
      'HTTP_PROXY=http://caiged-dev-a-b-egress:3128',
    ])
    expect(env.OPENCODE_SERVER_PASSWORD).toBe(PASSWORD)
    expect(env).not.toHaveProperty('HTTP_PROXY')
  })

  it('records its path, not its names', () => {
    expect(settingsOf(args)).toMatchObject({ secretEnv: ['A_TOKEN'], secretEnvFile: '/home/u/secrets.env' })
    expect(JSON.stringify(labelsOf(args))).not.toContain('FILE_TOKEN')
    expect(containerLabels(r)).toEqual(containerLabels({ ...r, envFileNames: [] }))
  })
})

describe('runSpec with --workspace copy', () => {
  it('mounts the copy’s own volume at /workspace, and not the project folder', () => {
    const { args } = runSpec(request({ workspace: 'copy' }), SECRETS)
    const mounts = valuesOf(args, '--mount')
    expect(mounts).toContain(
      'type=volume,src=caiged-dev-a-b-workspace,dst=/workspace,volume-label=io.caiged.managed=true',
    )
    expect(mounts.some((m) => m.includes('/home/u/my proj'))).toBe(false)
    expect(labelsOf(args)['io.caiged.workspace']).toBe('copy')
  })
})

describe('runSpec with the GitHub token injected', () => {
  const PLACEHOLDER = 'gho_placeholder0123456789'
  const r = request({
    egress: { mode: 'balanced', outward: 'caiged-egress' },
    injected: [
      { name: 'GitHub CLI token', hosts: ['api.github.com', 'github.com'], placeholder: PLACEHOLDER },
    ],
  })
  const { args, env } = runSpec(r, SECRETS)

  it('gives tools the placeholder as GH_TOKEN (in env only), and git a helper that answers github.com with it', () => {
    expect(env.GH_TOKEN).toBe(PLACEHOLDER)
    expect(args.filter((a) => a.includes(PLACEHOLDER))).toEqual([])
    const named = valuesOf(args, '-e')
    expect(named).toContain('GH_TOKEN')
    expect(named).toContain('GIT_CONFIG_KEY_0=credential.https://github.com.helper')
    const helper = named.find((n) => n.startsWith('GIT_CONFIG_VALUE_0=')) as string
    // As git runs a "!" helper (its action appended): the placeholder for "get", nothing else.
    const run = (action: string) =>
      execFileSync('sh', ['-c', `${helper.slice('GIT_CONFIG_VALUE_0=!'.length)} "$@"`, 'helper', action], {
        env: { PATH: process.env.PATH, GH_TOKEN: PLACEHOLDER },
        encoding: 'utf8',
      })
    expect(run('get')).toBe(`username=x-access-token\npassword=${PLACEHOLDER}\n`)
    expect(run('store')).toBe('')
  })

  it('sets none of it without the GitHub token', () => {
    const plain = runSpec(request({ egress: { mode: 'balanced', outward: 'caiged-egress' } }), SECRETS)
    expect(plain.env).not.toHaveProperty('GH_TOKEN')
    expect(valuesOf(plain.args, '-e').some((n) => n.startsWith('GIT_CONFIG'))).toBe(false)
  })
})

describe('runSpec with an egress policy', () => {
  const gated = request({ egress: { mode: 'balanced', outward: 'caiged-egress' } })
  const { args } = runSpec(gated, SECRETS)

  it('publishes nothing itself: its gateway does (an internal network publishes no port)', () => {
    expect(args).not.toContain('-p')
  })

  it('points every proxy variable, both cases, at its gateway; NO_PROXY holds literal loopback names', () => {
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
      expect(valuesOf(args, '-e')).toContain(`${name}=http://caiged-dev-a-b-egress:3128`)
    }
    expect(valuesOf(args, '-e')).toContain('NO_PROXY=localhost,127.0.0.1,::1')
    expect(valuesOf(args, '-e')).toContain('no_proxy=localhost,127.0.0.1,::1')
  })

  it('sends git over ssh through the gateway, with the agent’s key when it has one', () => {
    expect(valuesOf(args, '-e')).toContain(
      'GIT_SSH_COMMAND=ssh -o ProxyCommand="nc -X connect -x caiged-dev-a-b-egress:3128 %h %p"',
    )
    const keyed = runSpec({ ...gated, ssh: { key: '/home/u/.ssh/agent' } }, SECRETS).args
    expect(valuesOf(keyed, '-e')).toContain(
      'GIT_SSH_COMMAND=ssh -i /run/caiged/ssh-key -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o ProxyCommand="nc -X connect -x caiged-dev-a-b-egress:3128 %h %p"',
    )
  })

  it('records the preset, and a container made before presets counts as open', () => {
    expect(containerLabels(gated)['io.caiged.egress']).toBe('balanced')
    const old = without(legacyLabels(request()), ['io.caiged.egress'])
    expect(settingsDrift(settingsRecord(gated), old)).toEqual(['egress: open → balanced'])
  })
})

describe('mount', () => {
  it('joins key=value fields with commas', () => {
    expect(mount({ type: 'bind', src: '/a', dst: '/w' })).toBe('type=bind,src=/a,dst=/w')
  })

  it('CSV-quotes a whole field holding a comma', () => {
    expect(mount({ type: 'bind', src: '/a,b', dst: '/w' })).toBe('type=bind,"src=/a,b",dst=/w')
  })

  it('CSV-quotes a field holding a double quote, doubling it', () => {
    expect(mount({ type: 'bind', src: '/a"b', dst: '/w' })).toBe('type=bind,"src=/a""b",dst=/w')
    expect(mount({ type: 'bind', src: '/a,"b"', dst: '/w' })).toBe('type=bind,"src=/a,""b""",dst=/w')
  })

  it('CSV-quotes a field holding a newline', () => {
    expect(mount({ type: 'bind', src: '/a\nb', dst: '/w' })).toBe('type=bind,"src=/a\nb",dst=/w')
  })

  it.each([
    ['a colon', '/a:b'],
    ['a space', '/my proj'],
    ['non-ASCII', '/home/jürgen/ü'],
    ['an equals sign', '/a=b'],
    ['a single quote', "/it's"],
  ])('does not quote %s', (_what, src) => {
    expect(mount({ type: 'bind', src, dst: '/w' })).toBe(`type=bind,src=${src},dst=/w`)
  })

  it('gives a bare key for an empty value', () => {
    expect(mount({ type: 'bind', src: '/a', dst: '/w', readonly: '' })).toBe(
      'type=bind,src=/a,dst=/w,readonly',
    )
  })
})

/**
 * The one label per setting a caiged before io.caiged.settings wrote (fixed test data: how
 * containers made then are labelled).
 */
function legacyLabels(r: ContainerRequest): Record<string, string> {
  const resources = [
    r.resources.memory && `memory=${r.resources.memory}`,
    r.resources.cpus && `cpus=${r.resources.cpus}`,
    r.resources.pids && `pids=${r.resources.pids}`,
  ]
  return {
    'io.caiged.workdir': r.workdir,
    'io.caiged.gh': r.gh.hostDir ? r.gh.mode : 'none',
    'io.caiged.auth': r.auth,
    'io.caiged.docker-socket': r.dockerSocket ? 'yes' : 'no',
    'io.caiged.secret-env': [...r.secretEnvNames].sort().join(','),
    'io.caiged.secret-env-file': r.secretEnvFile ?? '',
    'io.caiged.volume': r.volume,
    'io.caiged.tools-volume': r.toolsVolume,
    'io.caiged.git':
      r.git.mode === 'none' ? 'none' : `${r.git.mode}: ${r.git.name ?? ''} <${r.git.email ?? ''}>`,
    'io.caiged.ssh': r.ssh.key ? `key ${r.ssh.key}` : r.ssh.agentSocket ? 'agent' : 'none',
    'io.caiged.resources': resources.filter(Boolean).join(',') || 'none',
    'io.caiged.network': r.network.own ? 'own' : r.network.name,
    'io.caiged.egress': r.egress.mode,
    'io.caiged.publish': r.publish.map((p) => `${p.container}:${p.host}`).join(','),
  }
}

describe('settingsDrift', () => {
  const wanted = (overrides: Partial<ContainerRequest> = {}) => settingsRecord(request(overrides))
  const made = (overrides: Partial<ContainerRequest> = {}) => containerLabels(request(overrides))

  it('finds nothing when the settings are the same', () => {
    expect(settingsDrift(wanted(), made())).toEqual([])
  })

  it('ignores what is not a setting (port, OpenCode version, image)', () => {
    expect(settingsDrift(wanted(), made({ hostPort: 4999, opencodeVersion: '1.0.0', image: 'x' }))).toEqual(
      [],
    )
  })

  it('does not care about the order of the secret env names', () => {
    expect(
      settingsDrift(wanted({ secretEnvNames: ['A', 'B'] }), made({ secretEnvNames: ['B', 'A'] })),
    ).toEqual([])
  })

  it('says how the secret env names changed', () => {
    expect(settingsDrift(wanted({ secretEnvNames: ['A', 'B'] }), made({ secretEnvNames: ['A'] }))).toEqual([
      'secret env names: A → A,B',
    ])
  })

  it('shows an empty setting as none', () => {
    expect(settingsDrift(wanted({ secretEnvNames: ['A'] }), made({ secretEnvNames: [] }))).toEqual([
      'secret env names: none → A',
    ])
    expect(settingsDrift(wanted({ secretEnvNames: [] }), made({ secretEnvNames: ['A'] }))).toEqual([
      'secret env names: A → none',
    ])
    expect(settingsDrift(wanted({ secretEnvFile: undefined }), made())).toEqual([
      'secret env file: /home/u/secrets.env → none',
    ])
  })

  it('names every setting that differs, in order', () => {
    expect(
      settingsDrift(
        wanted(),
        made({
          workdir: '/elsewhere',
          gh: { mode: 'rw', hostDir: '/h/gh' },
          auth: 'none',
          dockerSocket: { path: '/var/run/docker.sock', gid: 1 },
          volume: 'old-data',
        }),
      ),
    ).toEqual([
      'project folder: /elsewhere → /home/u/my proj',
      'GitHub config mount: rw → ro',
      'OpenCode auth: none → copy',
      'Docker socket: yes → no',
      'sessions volume: old-data → caiged-dev-a-b-data',
    ])
  })

  it('reads a record it cannot parse as not recorded, never as a change', () => {
    expect(
      settingsDrift(wanted(), { 'io.caiged.settings': '{"v":1,"gh":', 'opencode.port': '4100' }),
    ).toEqual(['network: default bridge → own'])
  })

  it('reads the containers a caiged before the record made, and finds no change where there is none', () => {
    for (const r of [
      request(),
      request({ git: { mode: 'host', name: 'Ada L', email: 'ada@example.com' }, ssh: { key: '/k' } }),
      request({
        resources: { memory: '2g', cpus: 1.5, pids: 300 },
        publish: [{ container: 3000, host: 3001 }],
      }),
      request({ network: { name: 'shared', own: false }, ssh: { agentSocket: '/s' }, auth: 'none' }),
    ]) {
      expect(settingsDrift(settingsRecord(r), legacyLabels(r))).toEqual([])
      // All but the record's version and the idle stop, which only the record has.
      expect(readSettings(legacyLabels(r))).toEqual({
        ...settingsRecord(r),
        v: undefined,
        idleStopAfter: undefined,
        workspace: undefined,
      })
    }
  })

  it('leaves out a setting an old container has no label for: it cannot be compared', () => {
    expect(settingsDrift(wanted(), { 'opencode.port': '4100' })).toEqual(['network: default bridge → own'])
  })

  it('never reports a change whose two sides read the same (gh and auth off)', () => {
    const r = request({ gh: { mode: 'none', hostDir: undefined }, auth: 'none' })
    const existing = without(legacyLabels(r), ['io.caiged.gh', 'io.caiged.auth'])
    for (const line of settingsDrift(settingsRecord(r), existing)) {
      const [, before, after] = /: (.*) → (.*)$/.exec(line) ?? []
      expect(before, line).not.toBe(after)
    }
  })

  it('does not ask to recreate a container made before the git, ssh and resources labels', () => {
    const existing = without(legacyLabels(request()), [
      'io.caiged.git',
      'io.caiged.ssh',
      'io.caiged.resources',
    ])
    expect(settingsDrift(wanted(), existing)).toEqual([])
  })

  it('writes one settings label that its reader gives back whole', () => {
    const r = request({
      git: { mode: 'agent', name: 'Bot', email: 'b@x' },
      publish: [{ container: 5173, host: 8080 }],
    })
    expect(readSettings(containerLabels(r))).toEqual(settingsRecord(r))
  })
})

function without(labels: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !keys.includes(key)))
}

describe('volumeName', () => {
  it('appends -data', () => {
    expect(volumeName('x')).toBe('x-data')
    expect(volumeName('caiged-dev-a-b')).toBe('caiged-dev-a-b-data')
  })
})

describe('published dev-server ports', () => {
  it('reads PORT and PORT:HOSTPORT, and refuses what is not one', async () => {
    const { parsePublish, mergePublished } = await import('../../src/containers/publish.js')
    expect(parsePublish('3000')).toEqual({ container: 3000, host: 3000 })
    expect(parsePublish('5173:8080')).toEqual({ container: 5173, host: 8080 })
    expect(() => parsePublish('0.0.0.0:3000:3000')).toThrow('give PORT or PORT:HOSTPORT')
    expect(() => parsePublish('70000')).toThrow('a port is 1-65535')
    expect(() => parsePublish('4096')).toThrow("4096 is the OpenCode server's own port")
    // The flag's wins over the project's and the user's for one container port.
    expect(mergePublished(['3000:3001'], ['3000', '5173'], ['8080'])).toEqual([
      { container: 3000, host: 3001 },
      { container: 5173, host: 5173 },
      { container: 8080, host: 8080 },
    ])
    expect(() => mergePublished(['3000:9000', '4000:9000'])).toThrow('Host port 9000 is published twice.')
  })

  it('publishes them on 127.0.0.1 from the agent when egress is open, from its gateway otherwise', async () => {
    const { gatewayCreateArgs } = await import('../../src/containers/gateway.js')
    const open = runSpec(request({ publish: [{ container: 3000, host: 3001 }] }), SECRETS).args
    expect(valuesOf(open, '-p')).toEqual(['127.0.0.1:4100:4096', '127.0.0.1:3001:3000'])
    const gated = runSpec(
      request({
        egress: { mode: 'balanced', outward: 'caiged-egress' },
        publish: [{ container: 3000, host: 3001 }],
      }),
      SECRETS,
    ).args
    expect(valuesOf(gated, '-p')).toEqual([])
    const { args } = gatewayCreateArgs({
      agent: 'caiged-dev-a-b',
      image: 'caiged:egress',
      outward: 'caiged-egress',
      agentNetwork: 'caiged-dev-a-b-net',
      hostPort: 4100,
      publish: [{ container: 3000, host: 3001 }],
      rules: '',
      policyHash: 'h',
    })
    expect(valuesOf(args, '-p')).toEqual(['127.0.0.1:4100:4096', '127.0.0.1:3001:3000'])
    expect(valuesOf(args, '-e')).toContain('CAIGED_RELAY_PORTS=3000')
  })
})

describe('runSpec on an engine elsewhere (hostFilesCopied)', () => {
  it('binds nothing of this machine: the gh folder, the CA certificate and the ssh key become copies', () => {
    const made = runSpec(
      request({
        workspace: 'copy',
        ssh: { key: '/home/u/.ssh/agent_key' },
        gatewayCaCert: '/home/u/.config/caiged/gateway-ca.crt',
        injected: [{ name: 'OPENAI_API_KEY', hosts: ['api.openai.com'], placeholder: 'sk-placeholder' }],
        hostFilesCopied: { uid: 1000, gid: 1000 },
      }),
      SECRETS,
    )
    expect(valuesOf(made.args, '--mount').filter((m) => m.startsWith('type=bind'))).toEqual([])
    expect(made.copies).toEqual([
      { src: '/home/u/.config/gh', dst: '/home/agent/.config/gh' },
      { src: '/home/u/.ssh/agent_key', dst: '/run/caiged/ssh-key' },
      { src: '/home/u/.config/caiged/gateway-ca.crt', dst: '/run/caiged/gateway-ca.crt' },
    ])
    // The environment that points at them is the same as with binds.
    expect(valuesOf(made.args, '-e')).toContain('NODE_EXTRA_CA_CERTS=/run/caiged/gateway-ca.crt')
  })

  it('on this machine the same files are read-only binds (rw for --mount-gh-rw), and nothing is copied', () => {
    const made = runSpec(
      request({ gh: { mode: 'rw', hostDir: '/home/u/.config/gh' }, ssh: { key: '/home/u/.ssh/agent_key' } }),
      SECRETS,
    )
    expect(made.copies).toEqual([])
    const binds = valuesOf(made.args, '--mount').filter((m) => m.startsWith('type=bind'))
    expect(binds).toContain('type=bind,src=/home/u/.config/gh,dst=/home/agent/.config/gh')
    expect(binds).toContain('type=bind,src=/home/u/.ssh/agent_key,dst=/run/caiged/ssh-key,readonly')
  })
})
