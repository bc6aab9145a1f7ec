import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectedSpinLabels } from '../../../src/bake/plan.js'
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

function world(docker = new FakeDocker(), io = recordingIo()) {
  // The engine's platform: asked on the slow path only (published images are per platform).
  docker
    .on(/^version --format/, VERSION)
    .on(/^network create --driver bridge .* -- caiged-dev-code-app-net$/, {})
    // Its volumes are there already unless a test says otherwise (a create that fails removes
    // only what it made).
    .on(VOLUME, {})
  const d = testDeps({ docker, io })
  roots.push(d.root)
  const workdir = path.join(d.root, 'work', 'code', 'app')
  fs.mkdirSync(workdir, { recursive: true })
  // The reconcile mechanics, without a gateway (its own tests: run-agent-egress.test.ts).
  const options = runOptions(workdir, { egress: 'open' })
  return { d, docker, io, workdir, options }
}

const NAME = 'caiged-dev-code-app'
// The first look asks for the agent and its gateway in one call; later looks for the agent alone.
const INSPECT = /^container inspect -- caiged-dev-code-app( caiged-dev-code-app-egress)?$/
const FIRST_LOOK = `container inspect -- caiged-dev-code-app caiged-dev-code-app-egress`
const IMAGE = /^image inspect -- caiged:dev$/
const LIST = /^ps --no-trunc --format json --all --filter label=io\.caiged\.managed=true$/
const VERSION = DOCKER_VERSION
const VOLUME = /^volume inspect -- caiged-dev-code-app-(data|tools)$/

/** The labels a current caiged:dev image carries for this world (what a build would give it). */
async function currentImage(d: ReturnType<typeof testDeps>) {
  const inputs = await imageInputs(d, {
    opencodeVersion: '1.18.33',
    baseImage: 'debian:bookworm-slim',
    imagePrefix: 'caiged',
    uid: 1000,
    gid: 1000,
  })
  const hash = await spinContentHash(path.join(packageRoot, 'spins', 'dev'))
  const labels = expectedSpinLabels(inputs, { name: 'dev', hash })
  return {
    stdout: JSON.stringify([{ Id: 'sha256:current', RepoTags: ['caiged:dev'], Config: { Labels: labels } }]),
  }
}

/** Runs once in w's HOME against an empty engine and returns the labels its `docker create` set. */
async function createdLabels(w0: ReturnType<typeof world>): Promise<Record<string, string>> {
  const w = {
    ...w0,
    docker: new FakeDocker()
      .on(/^version --format/, VERSION)
      .on(/^network create /, {})
      .on(VOLUME, {}),
  }
  w.d = { ...testDeps({ docker: w.docker, root: w0.d.root }) }
  w.docker
    .on(INSPECT, notFound(), 1)
    .on(IMAGE, await currentImage(w.d))
    .on(LIST, { stdout: '' })
    .on(/^create /, { stdout: 'new-id' }, 1)
    .on(/^start -- new-id$/, {}, 1)
  await runAgent(w.options, w.d)
  return labelsOf(w.docker.calls.find((c) => c.startsWith('create ')) as string)
}

describe('runAgent', () => {
  it('creates an absent container: one create and one start by id, on the first free port, no removal', async () => {
    const w = world()
    w.docker
      .on(INSPECT, notFound(), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(LIST, { stdout: '' })
      .on(/^create /, { stdout: 'new-id' }, 1)
      .on(/^start -- new-id$/, {}, 1)
    const result = await runAgent(w.options, w.d)
    expect(result).toMatchObject({ name: NAME, action: 'created', port: 4096, url: 'http://127.0.0.1:4096' })
    expect(w.docker.unused()).toEqual([])
    expect(w.docker.calls.some((c) => c.startsWith('rm '))).toBe(false)
    // The password reaches docker through its environment, never the argv.
    expect(w.docker.calls.join('\n')).not.toContain(result.password)
    expect(fs.existsSync(w.d.paths.saltFile)).toBe(true)
  })

  it('reuses a running, current container with one docker call (the container inspect)', async () => {
    const w = world()
    const labels = await createdLabels(w)
    w.docker.on(INSPECT, inspectJson({ name: NAME, running: true, labels }))
    const result = await runAgent(w.options, w.d)
    expect(result.action).toBe('reused')
    expect(w.docker.calls).toEqual([FIRST_LOOK])
  })

  it('starts a stopped, current container by its id', async () => {
    const w = world()
    const labels = await createdLabels(w)
    w.docker
      .on(INSPECT, inspectJson({ id: 'old-id', name: NAME, running: false, labels }))
      .on(/^start -- old-id$/, {}, 1)
    expect((await runAgent(w.options, w.d)).action).toBe('started')
    expect(w.docker.calls).toEqual([FIRST_LOOK, 'start -- old-id'])
  })

  it('refuses a name another project folder owns, and creates nothing', async () => {
    const w = world()
    const labels = await createdLabels(w)
    const other = { ...labels, [Label.workdir]: '/home/u/play/code/app' }
    w.docker.on(INSPECT, inspectJson({ name: NAME, running: true, labels: other }))
    await expect(runAgent({ ...w.options, recreate: true, yes: true }, w.d)).rejects.toThrow(
      `The container name ${NAME} belongs to the project at /home/u/play/code/app, not to ${w.workdir}; caiged leaves it alone.`,
    )
    expect(w.docker.calls).toEqual([FIRST_LOOK])
    expect(w.io.questions).toEqual([])
  })

  it('loses a create race without harm: the winner’s container is started, never removed', async () => {
    const w = world()
    const labels = await createdLabels(w)
    w.docker
      .on(INSPECT, notFound(), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(LIST, { stdout: '' })
      .on(
        /^create /,
        {
          exitCode: 125,
          stderr: `docker: Error response from daemon: Conflict. The container name "/${NAME}" is already in use by container "w1".`,
        },
        1,
      )
      // Looked at again: the winner made it (created, not yet started).
      .on(INSPECT, inspectJson({ id: 'winner', name: NAME, running: false, labels }), 1)
      .on(/^start -- winner$/, {}, 1)
    const result = await runAgent(w.options, w.d)
    expect(result).toMatchObject({ action: 'started', port: Number(labels[Label.port]) })
    expect(w.docker.unused()).toEqual([])
    expect(w.docker.calls.filter((c) => c.startsWith('rm '))).toEqual([])
  })

  it('waits for a container whose name another process reserved but has not finished creating', async () => {
    const w = world()
    const labels = await createdLabels(w)
    w.docker
      .on(INSPECT, notFound(), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(LIST, { stdout: '' })
      .on(
        /^create /,
        {
          exitCode: 125,
          stderr: `Conflict. The container name "/${NAME}" is already in use by container "w1".`,
        },
        1,
      )
      // Not inspectable yet, twice; then the winner's container is there.
      .on(INSPECT, notFound(), 2)
      .on(INSPECT, inspectJson({ id: 'winner', name: NAME, running: true, labels }), 1)
    expect((await runAgent(w.options, w.d)).action).toBe('reused')
    expect(w.docker.unused()).toEqual([])
    expect(w.docker.calls.filter((c) => /^(rm|create) /.test(c))).toHaveLength(1)
  })

  it('removes only its own container, by id, when the port it chose was taken at start', async () => {
    const w = world()
    w.docker
      .on(INSPECT, notFound(), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(LIST, { stdout: '' })
      .on(/^create .*127\.0\.0\.1:4096:4096/, { stdout: 'first' }, 1)
      .on(
        /^start -- first$/,
        { exitCode: 1, stderr: 'Bind for 127.0.0.1:4096 failed: port is already allocated' },
        1,
      )
      .on(/^rm --force -- first$/, {}, 1)
      .on(/^create .*127\.0\.0\.1:4097:4096/, { stdout: 'second' }, 1)
      .on(/^start -- second$/, {}, 1)
    expect((await runAgent(w.options, w.d)).port).toBe(4097)
    expect(w.docker.unused()).toEqual([])
  })

  it('asks before recreating for new settings, and a no leaves the container alone', async () => {
    const w = world(new FakeDocker(), recordingIo(false))
    fs.mkdirSync(w.d.paths.hostGhDir, { recursive: true })
    const labels = await createdLabels(w)
    w.docker
      .on(INSPECT, inspectJson({ name: NAME, running: true, labels }))
      .on(IMAGE, await currentImage(w.d))
    await expect(runAgent({ ...w.options, opencodeAuth: false, gh: 'none' }, w.d)).rejects.toThrow(
      /^Cancelled: /,
    )
    expect(w.io.questions).toHaveLength(1)
    expect(w.io.questions[0]).toContain('GitHub config mount')
    expect(w.docker.calls.some((c) => /^(rm|create|start|stop) /.test(c))).toBe(false)
  })

  it('recreates with --recreate: the old container removed by its id, the new one on its port', async () => {
    const w = world()
    fs.mkdirSync(w.d.paths.hostGhDir, { recursive: true })
    const labels = await createdLabels(w)
    const port = labels[Label.port] as string
    w.docker
      .on(INSPECT, inspectJson({ id: 'old-id', name: NAME, running: true, labels }), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(/^rm --force -- old-id$/, {}, 1)
      .on(LIST, { stdout: '' })
      .on(new RegExp(`^create .*127\\.0\\.0\\.1:${port}:4096`), { stdout: 'new-id' }, 1)
      .on(/^start -- new-id$/, {}, 1)
    const result = await runAgent({ ...w.options, gh: 'none', recreate: true }, w.d)
    expect(result).toMatchObject({ action: 'recreated', port: Number(port) })
    expect(w.docker.unused()).toEqual([])
  })

  it('never makes a salt while the container exists', async () => {
    const w = world()
    const labels = await createdLabels(w)
    fs.rmSync(w.d.paths.saltFile)
    w.docker.on(INSPECT, inspectJson({ name: NAME, running: true, labels }))
    await expect(runAgent(w.options, w.d)).rejects.toThrow(
      `The salt file ${w.d.paths.saltFile} is missing, but the container's password comes from it.`,
    )
    expect(fs.existsSync(w.d.paths.saltFile)).toBe(false)
  })

  it('says a missing host client before anything is built when a TUI will attach', async () => {
    const w = world()
    const d = { ...w.d, hostOpencode: { ...w.d.hostOpencode, version: async () => undefined } }
    w.docker.on(INSPECT, notFound())
    await expect(runAgent({ ...w.options, connect: true }, d)).rejects.toThrow(/OpenCode is not installed/)
    expect(w.docker.calls).toEqual([FIRST_LOOK])
  })
})

describe('runAgent with OpenCode 2 on the host', () => {
  it('says what caiged supports before anything is built, attaching or not', async () => {
    for (const connect of [true, false]) {
      const w = world()
      const d = { ...w.d, hostOpencode: { ...w.d.hostOpencode, version: async () => '2.0.3' } }
      w.docker.on(INSPECT, notFound())
      await expect(runAgent({ ...w.options, connect }, d)).rejects.toThrow(
        'The OpenCode on this machine is 2.0.3, but caiged runs and attaches to OpenCode 1.x servers only.',
      )
      expect(w.docker.calls.some((c) => c.startsWith('buildx') || c.startsWith('create'))).toBe(false)
    }
  })

  it('runs a 1.x agent without the TUI when the version is given', async () => {
    const w = world()
    const d = { ...w.d, hostOpencode: { ...w.d.hostOpencode, version: async () => '2.0.3' } }
    w.docker
      .on(INSPECT, notFound(), 1)
      .on(IMAGE, await currentImage(w.d))
      .on(LIST, { stdout: '' })
      .on(/^create /, { stdout: 'new-id' }, 1)
      .on(/^start -- new-id$/, {}, 1)
    expect((await runAgent({ ...w.options, opencodeVersion: '1.18.33' }, d)).action).toBe('created')
  })
})

describe('runAgent and its own network', () => {
  it('never puts the agent on a network of that name that caiged did not make', async () => {
    const docker = new FakeDocker()
      .on(/^version --format/, VERSION)
      .on(/^network create /, {
        exitCode: 1,
        stderr: 'Error response from daemon: network with name caiged-dev-code-app-net already exists',
      })
      .on(/^network inspect /, { stdout: '{"team":"db"} false' })
      .on(VOLUME, {})
    const d = testDeps({ docker })
    roots.push(d.root)
    const workdir = path.join(d.root, 'work', 'code', 'app')
    fs.mkdirSync(workdir, { recursive: true })
    docker
      .on(INSPECT, notFound())
      .on(IMAGE, await currentImage(d))
      .on(LIST, { stdout: '' })
    await expect(runAgent(runOptions(workdir, { egress: 'open' }), d)).rejects.toThrow(
      'A network named caiged-dev-code-app-net exists, but caiged did not make it for caiged-dev-code-app',
    )
    expect(docker.calls.some((c) => c.startsWith('create '))).toBe(false)
  })

  it('joins the network another run made for the same container', async () => {
    const docker = new FakeDocker()
      .on(/^version --format/, VERSION)
      .on(/^network create /, {
        exitCode: 1,
        stderr: 'network with name caiged-dev-code-app-net already exists',
      })
      .on(/^network inspect /, {
        stdout: '{"io.caiged.managed":"true","io.caiged.container":"caiged-dev-code-app"} false',
      })
      .on(VOLUME, {})
    const d = testDeps({ docker })
    roots.push(d.root)
    const workdir = path.join(d.root, 'work', 'code', 'app')
    fs.mkdirSync(workdir, { recursive: true })
    docker
      .on(INSPECT, notFound())
      .on(IMAGE, await currentImage(d))
      .on(LIST, { stdout: '' })
      .on(/^create .*--network caiged-dev-code-app-net/, { stdout: 'id' }, 1)
      .on(/^start -- id$/, {}, 1)
    const result = await runAgent(runOptions(workdir, { egress: 'open' }), d)
    expect(result.action).toBe('created')
  })

  it('a create that fails removes the network and volumes it made, and only those', async () => {
    const docker = new FakeDocker()
      .on(/^version --format/, VERSION)
      .on(/^network create .* -- caiged-dev-code-app-net$/, {}, 1)
      // The sessions volume was there before (kept); the tools volume is made by this create.
      .on(/^volume inspect -- caiged-dev-code-app-data$/, {}, 1)
      .on(/^volume inspect -- caiged-dev-code-app-tools$/, notFound('volume'), 1)
    const d = testDeps({ docker })
    roots.push(d.root)
    const workdir = path.join(d.root, 'work', 'code', 'app')
    fs.mkdirSync(workdir, { recursive: true })
    docker
      .on(INSPECT, notFound())
      .on(IMAGE, await currentImage(d))
      .on(LIST, { stdout: '' })
      .on(/^create /, { stdout: 'new-id' }, 1)
      .on(/^start -- new-id$/, { exitCode: 1, stderr: 'Error response from daemon: no such device' }, 1)
      .on(/^rm --force -- new-id$/, {}, 1)
      .on(/^network rm -- caiged-dev-code-app-net$/, {}, 1)
      .on(/^volume rm -- caiged-dev-code-app-tools$/, {}, 1)
    await expect(runAgent(runOptions(workdir, { egress: 'open' }), d)).rejects.toThrow('docker start failed')
    expect(docker.unused()).toEqual([])
    expect(docker.calls.filter((c) => c.startsWith('volume rm '))).toEqual([
      'volume rm -- caiged-dev-code-app-tools',
    ])
  })
})
