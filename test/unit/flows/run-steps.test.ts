import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { containerSettingsFor } from '../../../src/flows/run/container-settings.js'
import { reconcileRun, type ConvergeInput } from '../../../src/flows/run/converge-loop.js'
import { RunEgress } from '../../../src/flows/run/egress-step.js'
import { credentialsFor } from '../../../src/flows/run/credentials-step.js'
import { checkRunInputs } from '../../../src/flows/run/inputs.js'
import { lookUpRun, type RunLookups } from '../../../src/flows/run/lookup.js'
import { planRun, withEnvFileSecrets, type RunPlan } from '../../../src/flows/run/plan.js'
import { expectedSpinLabels } from '../../../src/bake/plan.js'
import { imageInputs } from '../../../src/images/plan.js'
import { containerLabels } from '../../../src/containers/settings-record.js'
import { Label } from '../../../src/labels.js'
import {
  DOCKER_VERSION,
  inspectJson,
  notFound,
  recordingIo,
  runOptions,
  testDeps,
} from '../../support/fakes.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})

function world(o: Parameters<typeof testDeps>[0] = {}) {
  const d = testDeps(o)
  roots.push(d.root)
  const workdir = path.join(d.root, 'work', 'code', 'app')
  fs.mkdirSync(workdir, { recursive: true })
  return { d, workdir }
}

const given = (workdir: string) => ({ workdir, userConfig: {}, projectConfig: {}, config: {} })

describe('run step 1a: planRun (pure)', () => {
  it.each([
    [
      'the names from the folder',
      {},
      { project: 'code-app', name: 'caiged-dev-code-app', egressMode: 'balanced' },
    ],
    ['--project names it', { project: 'My App' }, { project: 'my-app', name: 'caiged-dev-my-app' }],
    ['--egress open', { egress: 'open' as const }, { egressMode: 'open' }],
    [
      '--pull always with a registry',
      { registry: 'reg.example/team', pull: 'always' as const },
      { pull: 'always' },
    ],
  ])('%s', (_what, more, expected) => {
    expect(planRun(runOptions('/w/code/app', more), given('/w/code/app'), {})).toMatchObject(expected)
  })

  it.each([
    ['no spin', { spin: undefined }, 'Missing --spin'],
    ['a bad host rule', { allowHost: ['bad host'] }, 'bad host'],
    ['--network with a policy', { network: 'shared' }, '--network shared puts the agent'],
    ['a secret not in the shell', { secretEnv: ['NOT_SET_HERE'] }, 'NOT_SET_HERE is not set'],
    ['a registry that is no path', { registry: 'Not A Registry' }, 'is not a registry path'],
  ])('refuses %s before anything is looked up', (_what, more, message) => {
    expect(() => planRun(runOptions('/w/code/app', more), given('/w/code/app'), {})).toThrow(message)
  })

  it('takes secret values from the environment it is given, not the process', () => {
    const plan = planRun(runOptions('/w/a', { secretEnv: ['MY_TOKEN'] }), given('/w/a'), { MY_TOKEN: 'v' })
    expect(plan.secrets).toEqual({
      names: ['MY_TOKEN'],
      fromFile: [],
      values: { MY_TOKEN: 'v' },
      marks: {},
    })
  })
})

describe('run step 1b: checkRunInputs', () => {
  it('asks once for what a project config widens, and with no answer makes nothing', async () => {
    const { d, workdir } = world({ io: recordingIo(false) })
    fs.mkdirSync(path.join(workdir, '.caiged'))
    fs.writeFileSync(path.join(workdir, '.caiged', 'config.json'), JSON.stringify({ dockerSocket: true }))
    await expect(checkRunInputs(runOptions(workdir), d)).rejects.toThrow('was not allowed; nothing was made')
    expect(d.recorded.questions).toHaveLength(1)
    expect(d.fake.calls).toEqual([])
  })

  it('refuses a folder that does not exist, and an env file that is not there', async () => {
    const { d, workdir } = world()
    await expect(checkRunInputs(runOptions(path.join(workdir, 'nope')), d)).rejects.toThrow('does not exist')
    await expect(
      checkRunInputs(runOptions(workdir, { secretEnvFile: path.join(workdir, 'none.env') }), d),
    ).rejects.toThrow('none.env')
  })

  it('reads the env file into the secrets; a name --secret-env passes too keeps its value from there', async () => {
    const { d, workdir } = world()
    const file = path.join(workdir, 'secrets.env')
    fs.writeFileSync(
      file,
      '# keys\nOPENAI_API_KEY=sk-from-file\nMY_TOKEN=from-file\nFROM_SHELL\nUNSET_HERE\n',
    )
    d.env.MY_TOKEN = 'from-shell'
    d.env.FROM_SHELL = 'shell value'
    const plan = await checkRunInputs(
      runOptions(workdir, { secretEnv: ['MY_TOKEN'], secretEnvFile: file }),
      d,
    )
    expect(plan.envFile).toBe(file)
    expect(plan.secrets).toMatchObject({
      names: ['MY_TOKEN'],
      fromFile: ['OPENAI_API_KEY', 'MY_TOKEN', 'FROM_SHELL'],
      values: { OPENAI_API_KEY: 'sk-from-file', MY_TOKEN: 'from-shell', FROM_SHELL: 'shell value' },
    })
  })

  it('refuses an env file docker would refuse, naming its line', async () => {
    const { d, workdir } = world()
    const file = path.join(workdir, 'secrets.env')
    fs.writeFileSync(file, 'A=1\nMY VAR=x\n')
    await expect(checkRunInputs(runOptions(workdir, { secretEnvFile: file }), d)).rejects.toThrow(
      `line 2 of the secret env file ${file}`,
    )
  })
})

describe('run step 2: lookUpRun', () => {
  it('looks at the agent and its gateway in one docker process, and needs the host client to connect', async () => {
    const { d, workdir } = world({ hostOpencode: { version: async () => undefined } })
    d.fake.on(/^container inspect -- caiged-dev-code-app caiged-dev-code-app-egress$/, notFound(), 1)
    const plan = planRun(runOptions(workdir), given(workdir), d.env)
    await expect(lookUpRun(runOptions(workdir, { connect: true }), plan, d)).rejects.toThrow(
      'OpenCode is not installed',
    )
    expect(d.fake.calls).toEqual(['container inspect -- caiged-dev-code-app caiged-dev-code-app-egress'])
  })

  it('finds the spin, its variant, the identity and a password; nothing is made', async () => {
    const { d, workdir } = world()
    d.fake.on(/^container inspect -- /, notFound(), 1)
    const found = await lookUpRun(runOptions(workdir), planRun(runOptions(workdir), given(workdir), d.env), d)
    expect(found).toMatchObject({
      spin: { name: 'dev' },
      localRef: 'caiged:dev',
      agent: undefined,
      git: { mode: 'none' },
      authMtime: undefined,
    })
    expect(found.password).toMatch(/^\S{20,}$/)
  })
})

describe('run step 3: containerSettingsFor (pure)', () => {
  const found = {
    spin: { name: 'dev', dir: '/s' },
    socket: undefined,
    ssh: {},
    git: { mode: 'none' as const },
    authMtime: 5,
    hasGhDir: false,
  }
  it('makes an own internal-by-policy network, its volumes, and copies auth when asked', () => {
    const plan = { ...planRun(runOptions('/w/a'), given('/w/a'), {}), envFile: undefined }
    expect(
      containerSettingsFor({}, plan, found, { ghDir: '/h/.config/gh', gatewayCaCert: '/c/ca.crt' }),
    ).toMatchObject({
      name: 'caiged-dev-w-a',
      volume: 'caiged-dev-w-a-data',
      toolsVolume: 'caiged-dev-w-a-tools',
      network: { name: 'caiged-dev-w-a-net', own: true },
      egress: { mode: 'balanced', outward: 'caiged-egress' },
      auth: 'copy',
      gh: { mode: 'ro', hostDir: undefined },
      envFileNames: [],
    })
  })

  it('passes the env file’s names, its path recorded', () => {
    const planned = planRun(runOptions('/w/a'), given('/w/a'), {})
    const plan = {
      ...planned,
      secrets: withEnvFileSecrets(planned.secrets, { FILE_TOKEN: 'v' }),
      envFile: '/w/a/secrets.env',
    }
    expect(containerSettingsFor({}, plan, found, { ghDir: '/gh', gatewayCaCert: '/c/ca.crt' })).toMatchObject(
      { secretEnvNames: [], envFileNames: ['FILE_TOKEN'], secretEnvFile: '/w/a/secrets.env' },
    )
  })

  it('joins a named network only with open egress, and merges published ports', () => {
    const plan = { ...planRun(runOptions('/w/a', { egress: 'open' }), given('/w/a'), {}), envFile: undefined }
    expect(
      containerSettingsFor({ network: 'shared', publish: ['3000'] }, plan, found, {
        ghDir: '/gh',
        gatewayCaCert: '/c/ca.crt',
      }),
    ).toMatchObject({
      network: { name: 'shared', own: false },
      egress: { mode: 'open' },
      publish: [{ container: 3000, host: 3000 }],
    })
  })
})

describe('run step 4: RunEgress', () => {
  const agentLabels = { [Label.managed]: 'true', [Label.egress]: 'balanced', [Label.port]: '4100' }
  const gatewayLabels = (hash: string) => ({
    [Label.managed]: 'true',
    [Label.role]: 'egress',
    [Label.container]: 'caiged-dev-code-app',
    [Label.egressPolicy]: hash,
  })

  it('does nothing at all for an agent with open egress', async () => {
    const { d, workdir } = world()
    const plan = planRun(runOptions(workdir, { egress: 'open' }), given(workdir), d.env)
    const egress = await RunEgress.prepare(runOptions(workdir), plan, { copiesAuth: false }, d)
    expect(egress.gated).toBe(false)
    const agent = JSON.parse(
      inspectJson({ name: 'a', running: true, labels: agentLabels }).stdout as string,
    )[0]
    await egress.hold(agent, null)
    expect(egress.makerFor(agent)).toBeUndefined()
    expect(d.fake.calls).toEqual([])
  })

  it('keeps this run’s host rules with the edits, and loads a changed policy into a running gateway', async () => {
    const { d, workdir } = world()
    const plan = planRun(runOptions(workdir, { allowHost: ['x.example'] }), given(workdir), d.env)
    const egress = await RunEgress.prepare(
      { allowHost: ['x.example'], rebuildImages: false },
      plan,
      { copiesAuth: false },
      d,
    )
    const edits = JSON.parse(fs.readFileSync(path.join(d.paths.egressDir, `${plan.name}.json`), 'utf8'))
    expect(edits.flags).toEqual({ allow: ['x.example'], deny: [] })
    const agent = JSON.parse(
      inspectJson({ name: plan.name, running: true, labels: agentLabels }).stdout as string,
    )[0]
    const gateway = JSON.parse(
      inspectJson({ name: `${plan.name}-egress`, running: true, labels: gatewayLabels('old') })
        .stdout as string,
    )[0]
    d.fake.on(/^exec -i id-caiged-dev-code-app-egress caiged-egress-apply policy$/, {}, 1)
    await egress.hold(agent, gateway)
    expect(d.fake.unused()).toEqual([])
    expect(d.fake.inputs.at(-1)).toContain('x.example')
    expect(d.recorded.notes).toContain(`Loaded the changed egress policy into the gateway of ${plan.name}.`)
  })
})

describe('run step 5: reconcileRun', () => {
  it('looks again after a lost create race, waits for the other run’s container and reuses it', async () => {
    const { d, workdir } = world()
    const plan: RunPlan = planRun(runOptions(workdir, { egress: 'open' }), given(workdir), d.env)
    d.fake
      .on(/^volume inspect /, {})
      .on(/^network create /, {})
      .on(/^ps /, { stdout: '' })
      .on(
        /^create /,
        { exitCode: 1, stderr: 'Conflict. The container name "/x" is already in use by container "y".' },
        1,
      )
      .on(/^container inspect -- caiged-dev-code-app$/, notFound(), 2)
    const found = {
      spin: { name: 'dev', dir: '/s' },
      variant: { name: 'dev', hash: 'h', tag: 'dev', extraPackages: [] },
      spinId: { name: 'dev', hash: 'h' },
      localRef: 'caiged:dev',
      socket: undefined,
      ssh: {},
      git: { mode: 'none' },
      agent: undefined,
      gateway: undefined,
      hostVersion: '1.18.33',
      password: 'pw',
      authMtime: undefined,
      hasGhDir: false,
    } as RunLookups
    const settings = containerSettingsFor({}, { ...plan, envFile: undefined }, found, {
      ghDir: '/gh',
      gatewayCaCert: '/c/ca.crt',
    })
    // The container the other run made, as this run would have made it.
    const theirs = inspectJson({
      name: plan.name,
      running: true,
      labels: containerLabels({
        ...settings,
        image: 'caiged:dev',
        opencodeVersion: '1.18.33',
        hostPort: 4100,
        imageFingerprint: 'fp',
      }),
    })
    d.fake.on(/^container inspect -- caiged-dev-code-app$/, theirs)
    const inputs = await imageInputs(d, {
      opencodeVersion: '1.18.33',
      baseImage: 'debian:bookworm-slim',
      imagePrefix: 'caiged',
      uid: 1000,
      gid: 1000,
    })
    const input: ConvergeInput = {
      o: runOptions(workdir, { egress: 'open' }),
      plan,
      found,
      settings,
      wanted: { version: '1.18.33', inputs, fingerprints: ['fp'] },
      egress: await RunEgress.prepare(runOptions(workdir), plan, { copiesAuth: false }, d),
      authCopy: undefined,
    }
    // The local image is current, so the create needs no build; the choice is asked for once.
    const labels = expectedSpinLabels(inputs, found.spinId)
    d.fake.on(/^version --format/, DOCKER_VERSION).on(/^image inspect -- caiged:dev$/, {
      stdout: JSON.stringify([
        { Id: 'sha256:current', RepoTags: ['caiged:dev'], Config: { Labels: labels } },
      ]),
    })
    await expect(reconcileRun(input, d)).resolves.toMatchObject({ action: 'reused', port: 4100 })
    expect(d.fake.calls.filter((c) => c === 'container inspect -- caiged-dev-code-app')).toHaveLength(3)
  })
})

describe('run step 3b: credentialsFor, the GitHub token and github.scope', () => {
  const TOKEN = 'gho_REALTOKEN0123456789abcdef'
  function ghWorld(o: Parameters<typeof testDeps>[0], hostsYml: string) {
    const w = world(o)
    fs.mkdirSync(w.d.paths.hostGhDir, { recursive: true })
    fs.writeFileSync(path.join(w.d.paths.hostGhDir, 'hosts.yml'), hostsYml)
    return w
  }
  const found = { authMtime: undefined, hasGhDir: true }
  const planOf = (workdir: string, config: RunPlan['config'] = {}) =>
    planRun(runOptions(workdir), { ...given(workdir), config }, {})
  const github = (r: Awaited<ReturnType<typeof credentialsFor>>) =>
    r.injected.find((c) => c.name === 'GitHub CLI token')

  it.each([
    [
      'a project cloned from GitHub: writes narrowed to it',
      'git@github.com:octo/app.git',
      {},
      'octo/app only',
    ],
    ['no origin on GitHub: the token’s full reach', 'https://gitlab.example/octo/app.git', {}, undefined],
    [
      'github.scope any over a GitHub origin',
      'https://github.com/octo/app',
      { scope: 'any' as const },
      undefined,
    ],
    [
      'github.scope project without a GitHub origin: no writes',
      undefined,
      { scope: 'project' as const },
      'no repository only',
    ],
  ])('%s', async (_what, originUrl, scope, narrowedTo) => {
    const { d, workdir } = ghWorld({ originUrl }, `github.com:\n    oauth_token: ${TOKEN}\n`)
    const r = await credentialsFor({ yes: false }, planOf(workdir, { github: scope }), found, d)
    const rules = github(r)?.rules ?? []
    expect(github(r)?.value).toBe(TOKEN)
    if (narrowedTo) expect(rules[0]).toContain(`writes to ${narrowedTo}`)
    else expect(rules).toEqual([])
  })

  it('github.scope none: nothing injected, and the agent’s hosts.yml holds no token at all', async () => {
    const { d, workdir } = ghWorld({}, `github.com:\n    user: octo\n    oauth_token: ${TOKEN}\n`)
    const r = await credentialsFor({ yes: false }, planOf(workdir, { github: { scope: 'none' } }), found, d)
    expect(github(r)).toBeUndefined()
    expect(fs.readFileSync(path.join(r.ghDir as string, 'hosts.yml'), 'utf8')).toBe(
      'github.com:\n    user: octo\n',
    )
  })

  it('a token gh keeps in the keyring is asked of gh, and injected the same way', async () => {
    const { d, workdir } = ghWorld({ ghKeyringToken: TOKEN }, 'github.com:\n    user: octo\n')
    const r = await credentialsFor({ yes: false }, planOf(workdir), found, d)
    expect(github(r)?.value).toBe(TOKEN)
    const copy = fs.readFileSync(path.join(r.ghDir as string, 'hosts.yml'), 'utf8')
    expect(copy).toContain(`oauth_token: ${github(r)?.placeholder}`)
    expect(copy).not.toContain(TOKEN)
  })

  it('no token anywhere: nothing injected, the user’s config mounted as it is', async () => {
    const { d, workdir } = ghWorld({}, 'github.com:\n    user: octo\n')
    const r = await credentialsFor({ yes: false }, planOf(workdir), found, d)
    expect(github(r)).toBeUndefined()
    expect(r.ghDir).toBeUndefined()
  })
})
