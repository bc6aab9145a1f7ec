import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectedSpinLabels } from '../../../src/bake/plan.js'
import { expectedGatewayLabels, gatewayFilesHash } from '../../../src/egress/image.js'
import { editsFile, loadEdits } from '../../../src/egress/store.js'
import { imageInputs } from '../../../src/images/plan.js'
import { runAgent } from '../../../src/flows/run-agent.js'
import { Label } from '../../../src/labels.js'
import { packageRoot } from '../../../src/paths.js'
import { spinContentHash } from '../../../src/spins/content-hash.js'
import {
  DOCKER_VERSION,
  FakeDocker,
  inspectJson,
  labelsOf,
  notFound,
  recordingIo,
  runOptions,
  testDeps,
} from '../../support/fakes.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})

const NAME = 'caiged-dev-code-app'
const GATEWAY = `${NAME}-egress`
const FIRST_LOOK = /^container inspect -- caiged-dev-code-app caiged-dev-code-app-egress$/
const VERSION = DOCKER_VERSION

async function world(root?: string) {
  // The agent's volumes are there already (a create that fails removes only what it made).
  const docker = new FakeDocker()
    .on(/^version --format/, VERSION)
    .on(/^volume inspect -- caiged-dev-code-app-(data|tools)$/, {})
  const io = recordingIo()
  const d = testDeps({ docker, io, root })
  if (!root) roots.push(d.root)
  const workdir = path.join(d.root, 'work', 'code', 'app')
  fs.mkdirSync(workdir, { recursive: true })
  const options = runOptions(workdir)
  const inputs = await imageInputs(d, {
    opencodeVersion: '1.18.33',
    baseImage: 'debian:bookworm-slim',
    imagePrefix: 'caiged',
    uid: 1000,
    gid: 1000,
  })
  const hash = await spinContentHash(path.join(packageRoot, 'spins', 'dev'))
  const spinImage = {
    stdout: JSON.stringify([
      {
        Id: 'sha256:current',
        RepoTags: ['caiged:dev'],
        Config: {
          Labels: {
            ...expectedSpinLabels(inputs, { name: 'dev', hash }),
            [Label.spinEgress]: '{"allow":["spin.example"],"deny":[]}',
          },
        },
      },
    ]),
  }
  const gatewayImage = {
    stdout: JSON.stringify([
      {
        Id: 'sha256:gateway',
        Config: {
          Labels: expectedGatewayLabels(
            { imagePrefix: 'caiged', baseImage: 'debian:bookworm-slim', caigedVersion: d.caigedVersion },
            await gatewayFilesHash(),
          ),
        },
      },
    ]),
  }
  return { d, docker, io, options, spinImage, gatewayImage }
}

/** An empty engine: the agent and its gateway are made, in that order's reverse. */
function stubCreate(w: Awaited<ReturnType<typeof world>>) {
  w.docker
    .on(FIRST_LOOK, notFound(), 1)
    .on(/^image inspect -- caiged:dev$/, w.spinImage)
    .on(/^image inspect -- caiged:egress$/, w.gatewayImage)
    .on(/^ps --no-trunc --format json --all --filter label=io\.caiged\.managed=true$/, { stdout: '' })
    .on(/^network create --driver bridge --internal .* -- caiged-dev-code-app-net$/, {}, 1)
    .on(/^network create --driver bridge .* -- caiged-egress$/, {}, 1)
    .on(/^create --name caiged-dev-code-app-egress /, { stdout: 'gw-id' }, 1)
    .on(/^network connect -- caiged-dev-code-app-net gw-id$/, {}, 1)
    .on(/^start -- gw-id$/, {}, 1)
    .on(/^create --name caiged-dev-code-app /, { stdout: 'agent-id' }, 1)
    .on(/^start -- agent-id$/, {}, 1)
}

/** Runs once on an empty engine; then a new world over the same HOME, and the labels it made. */
async function afterFirstRun(w: Awaited<ReturnType<typeof world>>) {
  await runAgent(w.options, w.d)
  const made = (name: string) =>
    labelsOf(w.docker.calls.find((c) => c.startsWith(`create --name ${name} `)) as string)
  return { labels: made(NAME), gwLabels: made(GATEWAY), again: await world(w.d.root) }
}

describe('runAgent with an egress policy (the default: balanced)', () => {
  it('makes the gateway first, publishing the port, then the agent behind it on an internal network', async () => {
    const w = await world()
    stubCreate(w)
    const result = await runAgent(w.options, w.d)
    expect(result).toMatchObject({ action: 'created', port: 4096, egress: 'balanced' })
    expect(w.docker.unused()).toEqual([])

    const gatewayCreate = w.docker.calls.find((c) => c.startsWith(`create --name ${GATEWAY} `)) as string
    expect(gatewayCreate).toContain('--network caiged-egress')
    expect(gatewayCreate).toContain('-p 127.0.0.1:4096:4096')
    expect(gatewayCreate).toContain('--cap-drop ALL')
    expect(labelsOf(gatewayCreate)).toMatchObject({ [Label.role]: 'egress', [Label.container]: NAME })
    // The policy reaches the gateway through docker's environment, never its argv.
    const policy = w.docker.envs[w.docker.calls.indexOf(gatewayCreate)]?.CAIGED_EGRESS_RULES as string
    expect(policy).toContain('# allow spin.example (spin)')
    expect(policy).toContain('# allow registry.npmjs.org (preset)')
    expect(gatewayCreate).not.toContain('registry.npmjs.org')

    const agentCreate = w.docker.calls.find((c) => c.startsWith(`create --name ${NAME} `)) as string
    expect(agentCreate).toContain(`--network ${NAME}-net`)
    expect(agentCreate).not.toMatch(/ -p /)
    expect(agentCreate).toContain(`-e HTTPS_PROXY=http://${GATEWAY}:3128`)
    expect(agentCreate).toContain('-e no_proxy=localhost,127.0.0.1,::1')
    expect(labelsOf(agentCreate)[Label.egress]).toBe('balanced')
    // The agent's name first (the lock two runs race for), then the gateway, started before the
    // agent: its first request finds its proxy up.
    expect(w.docker.calls.indexOf(agentCreate)).toBeLessThan(w.docker.calls.indexOf(gatewayCreate))
    expect(w.docker.calls.indexOf('start -- gw-id')).toBeLessThan(w.docker.calls.indexOf('start -- agent-id'))
  })

  it('removes a leftover gateway of its name (its agent removed by hand), by id, and makes it anew', async () => {
    const w = await world()
    w.docker
      .on(
        /^create --name caiged-dev-code-app-egress /,
        {
          exitCode: 125,
          stderr:
            'Error response from daemon: Conflict. The container name "/caiged-dev-code-app-egress" is already in use',
        },
        1,
      )
      .on(
        /^container inspect -- caiged-dev-code-app-egress$/,
        inspectJson({
          id: 'old-gw',
          name: GATEWAY,
          running: true,
          labels: { [Label.managed]: 'true', [Label.role]: 'egress', [Label.container]: NAME },
        }),
        1,
      )
      .on(/^rm --force -- old-gw$/, {}, 1)
    stubCreate(w)
    expect((await runAgent(w.options, w.d)).action).toBe('created')
    expect(w.docker.unused()).toEqual([])
    expect(w.docker.calls.filter((c) => c.startsWith('rm '))).toEqual(['rm --force -- old-gw'])
  })

  it('reuses a running agent and gateway with one docker call when the policy is unchanged', async () => {
    const w = await world()
    stubCreate(w)
    const { labels, gwLabels, again } = await afterFirstRun(w)
    again.docker.on(FIRST_LOOK, {
      stdout: JSON.stringify([
        ...JSON.parse(
          inspectJson({
            name: NAME,
            running: true,
            labels: { ...labels, [Label.spinEgress]: '{"allow":["spin.example"],"deny":[]}' },
          }).stdout as string,
        ),
        ...JSON.parse(
          inspectJson({ id: 'gw-id', name: GATEWAY, running: true, labels: gwLabels }).stdout as string,
        ),
      ]),
    })
    const result = await runAgent(again.options, again.d)
    expect(result.action).toBe('reused')
    expect(again.docker.calls).toEqual([`container inspect -- ${NAME} ${GATEWAY}`])
  })

  it('starts a gateway found stopped, says the agent had no way out meanwhile, and loads a changed policy live', async () => {
    const w = await world()
    stubCreate(w)
    const { labels, gwLabels, again } = await afterFirstRun(w)
    again.docker
      .on(
        FIRST_LOOK,
        {
          exitCode: 1,
          stdout: JSON.stringify([
            ...JSON.parse(inspectJson({ name: NAME, running: true, labels }).stdout as string),
            ...JSON.parse(
              inspectJson({ id: 'gw-id', name: GATEWAY, running: false, labels: gwLabels }).stdout as string,
            ),
          ]),
        },
        1,
      )
      .on(/^start -- gw-id$/, {}, 1)
      .on(
        /^container inspect -- caiged-dev-code-app-egress$/,
        inspectJson({ id: 'gw-id', name: GATEWAY, running: true, labels: gwLabels }),
      )
      .on(/^exec -i gw-id caiged-egress-apply policy$/, {}, 1)
    const result = await runAgent({ ...again.options, allowHost: ['new.example:8443'] }, again.d)
    expect(result.action).toBe('reused')
    expect(again.io.warnings.join('\n')).toContain(
      `The egress gateway of ${NAME} was stopped, so the agent had no way out; started it again.`,
    )
    const apply = again.docker.calls.indexOf('exec -i gw-id caiged-egress-apply policy')
    expect(apply).toBeGreaterThan(0)
    expect(again.docker.inputs[apply]).toContain('# allow new.example:8443 (flag)')
    // The agent itself was not touched: no start, stop or create of it.
    expect(again.docker.calls.filter((c) => /^(start|stop|create|rm) /.test(c))).toEqual(['start -- gw-id'])
    const edits = await loadEdits(editsFile(again.d.paths.egressDir, NAME))
    expect(edits.flags).toEqual({ allow: ['new.example:8443'], deny: [] })
    expect(edits.applied?.gateway).toBe('gw-id')
  })

  it('passes the env file as -e names: its provider key held by the gateway, the rest in docker’s env only', async () => {
    const w = await world()
    stubCreate(w)
    // The gateway terminates TLS for the key's host: the machine's CA is made on this first need.
    const ca =
      '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nc\n-----END CERTIFICATE-----\n'
    w.docker.on(/^run --rm --network none --entrypoint caiged-egress-ca caiged:egress$/, { stdout: ca }, 1)
    const key = 'sk-proj-REALKEY0123456789abcdef'
    const file = path.join(w.d.root, 'secrets.env')
    fs.writeFileSync(file, `OPENAI_API_KEY=${key}\nFILE_TOKEN=file-VALUE-123\n`)
    await runAgent({ ...w.options, secretEnvFile: file }, w.d)
    expect(w.docker.unused()).toEqual([])
    const agentCreate = w.docker.calls.find((c) => c.startsWith(`create --name ${NAME} `)) as string
    expect(agentCreate).not.toContain('--env-file')
    expect(agentCreate).toContain('-e OPENAI_API_KEY ')
    expect(agentCreate).toContain('-e FILE_TOKEN ')
    expect(agentCreate).not.toContain(key)
    expect(agentCreate).not.toContain('file-VALUE-123')
    const agentEnv = w.docker.envs[w.docker.calls.indexOf(agentCreate)] ?? {}
    expect(agentEnv.FILE_TOKEN).toBe('file-VALUE-123')
    expect(agentEnv.OPENAI_API_KEY).toMatch(/^sk-proj-/)
    expect(agentEnv.OPENAI_API_KEY).not.toBe(key)
    const gatewayCreate = w.docker.calls.find((c) => c.startsWith(`create --name ${GATEWAY} `)) as string
    const gatewayEnv = w.docker.envs[w.docker.calls.indexOf(gatewayCreate)] ?? {}
    expect(gatewayEnv.CAIGED_EGRESS_CREDENTIALS).toContain(key)
  })

  it('refuses --network with a policy (that network is a way out), before anything is made', async () => {
    const w = await world()
    await expect(runAgent({ ...w.options, network: 'shared' }, w.d)).rejects.toThrow(
      '--network shared puts the agent on a network with a way out that its egress policy (balanced) cannot hold.',
    )
    expect(w.docker.calls).toEqual([])
  })

  it('refuses a bad --allow-host before any docker call', async () => {
    const w = await world()
    await expect(runAgent({ ...w.options, allowHost: ['exa mple.com'] }, w.d)).rejects.toThrow(
      '"exa mple.com" is not an egress rule: that is not a host name.',
    )
    expect(w.docker.calls).toEqual([])
  })
})
