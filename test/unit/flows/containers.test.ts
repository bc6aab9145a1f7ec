import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Docker } from '../../../src/docker/index.js'
import { listAllContexts } from '../../../src/flows/all-contexts.js'
import { removeContainers, stopAllContainers, stopContainer } from '../../../src/flows/containers.js'
import { Label } from '../../../src/labels.js'
import { FakeDocker, inspectJson, notFound, recordingIo, testDeps } from '../../support/fakes.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
})
function deps(docker: FakeDocker, answer: boolean | Error = true) {
  // Networks are looked at after a removal (their own is removed with a container).
  docker.on(/^network inspect /, notFound('network'))
  const d = testDeps({ docker, io: recordingIo(answer) })
  roots.push(d.root)
  return d
}
const labels = {
  [Label.managed]: 'true',
  [Label.spin]: 'dev',
  [Label.workdir]: '/p/a',
  [Label.project]: 'p-a',
}
const psLine = (name: string, id: string, state = 'running') =>
  JSON.stringify({
    ID: id,
    Names: name,
    Image: 'caiged:dev',
    State: state,
    Status: 'Up',
    Ports: '',
    CreatedAt: '',
    Labels: 'io.caiged.managed=true',
  })

describe('stopContainer', () => {
  it('stops by id and says how to resume', async () => {
    const docker = new FakeDocker()
      .on(/^container inspect -- c1$/, inspectJson({ id: 'id1', name: 'c1', running: true, labels }))
      .on(/^stop --time 10 -- id1$/, {}, 1)
    const result = await stopContainer({ name: 'c1', remove: false }, deps(docker))
    expect(result).toEqual({
      name: 'c1',
      outcome: 'stopped',
      volume: 'c1-data',
      resume: 'caiged run "/p/a" --spin dev --project p-a',
    })
    expect(docker.unused()).toEqual([])
  })

  it('says so truthfully when another command removed the container meanwhile', async () => {
    const docker = new FakeDocker()
      .on(/^container inspect -- c1$/, inspectJson({ id: 'id1', name: 'c1', running: true, labels }))
      .on(/^stop --time 10 -- id1$/, notFound())
    await expect(stopContainer({ name: 'c1', remove: false }, deps(docker))).rejects.toThrow(
      'The container c1 was removed by another command meanwhile.',
    )
  })
})

describe('stopAllContainers', () => {
  it('counts a container removed meanwhile as gone, not as a failure, and leaves another prefix’s alone', async () => {
    const docker = new FakeDocker()
      .on(/^ps /, {
        stdout: [psLine('caiged-a', 'ida'), psLine('caiged-b', 'idb'), psLine('other-c', 'idc')].join('\n'),
      })
      .on(/^stop --time 10 -- ida$/, {}, 1)
      .on(/^stop --time 10 -- idb$/, notFound(), 1)
    expect(await stopAllContainers(deps(docker))).toEqual({ stopped: ['caiged-a'], gone: ['caiged-b'] })
    expect(docker.calls.some((c) => c.includes('idc'))).toBe(false)
  })

  it('fails, naming it, when docker cannot stop one', async () => {
    const docker = new FakeDocker()
      .on(/^ps /, { stdout: psLine('caiged-a', 'ida') })
      .on(/^stop --time 10 -- ida$/, {
        exitCode: 1,
        stderr: 'Error response from daemon: cannot stop container: permission denied',
      })
    await expect(stopAllContainers(deps(docker))).rejects.toThrow(
      'Could not stop: caiged-a: docker stop failed: cannot stop container: permission denied',
    )
  })
})

describe('removeContainers', () => {
  it('removes by id only what it looked at, and reports one already gone', async () => {
    const docker = new FakeDocker()
      .on(/^container inspect -- a$/, inspectJson({ id: 'ida', name: 'a', running: false, labels }))
      .on(/^container inspect -- b$/, inspectJson({ id: 'idb', name: 'b', running: false, labels }))
      .on(/^rm --force -- ida$/, {}, 1)
      .on(/^rm --force -- idb$/, notFound(), 1)
      .on(/^volume rm -- a-data$/, {}, 1)
      .on(/^volume rm -- b-data$/, notFound('volume'), 1)
    expect(
      await removeContainers({ names: ['a', 'b'], all: false, volumes: true, force: false }, deps(docker)),
    ).toEqual({
      removed: ['a'],
      gone: ['b'],
      volumes: ['a-data'],
    })
    expect(docker.unused()).toEqual([])
  })

  it('refuses a running container without --force, removing nothing', async () => {
    const docker = new FakeDocker().on(
      /^container inspect -- a$/,
      inspectJson({ name: 'a', running: true, labels }),
    )
    await expect(
      removeContainers({ names: ['a'], all: false, volumes: false, force: false }, deps(docker)),
    ).rejects.toThrow('Still running: a.')
    expect(docker.calls).toEqual(['container inspect -- a'])
  })

  it('asks before --all, and a no removes nothing', async () => {
    const docker = new FakeDocker().on(/^ps /, {
      stdout: [psLine('caiged-a', 'ida', 'exited'), psLine('other-b', 'idb', 'exited')].join('\n'),
    })
    const d = deps(docker, false)
    await expect(removeContainers({ names: [], all: true, volumes: false, force: false }, d)).rejects.toThrow(
      'Cancelled: nothing was removed.',
    )
    // Another prefix's container (another caiged on the engine) is not among them.
    expect(d.recorded.questions).toEqual(['Remove 1 caiged container(s) (caiged-a)?'])
    expect(docker.calls.some((c) => c.startsWith('rm '))).toBe(false)
  })

  it('refuses a container caiged did not make', async () => {
    const docker = new FakeDocker().on(
      /^container inspect -- db$/,
      inspectJson({ name: 'db', running: false, labels: {} }),
    )
    await expect(
      removeContainers({ names: ['db'], all: false, volumes: false, force: true }, deps(docker)),
    ).rejects.toThrow('The container "db" was not made by caiged; caiged leaves it alone.')
  })
})

describe('containers list --all-contexts', () => {
  it('lists each context’s agents with its engine, asking each by DOCKER_CONTEXT; one that does not answer is said and skipped', async () => {
    const d = testDeps({
      docker: new FakeDocker().on(/^context ls/, {
        stdout: [
          JSON.stringify({ Name: 'default', DockerEndpoint: 'unix:///var/run/docker.sock' }),
          JSON.stringify({ Name: 'far', DockerEndpoint: 'ssh://me@far' }),
          JSON.stringify({ Name: 'gone', DockerEndpoint: 'tcp://10.9.9.9:2376' }),
        ].join('\n'),
      }),
    })
    roots.push(d.root)
    const asked: Record<string, string>[] = []
    const engines: Record<string, FakeDocker> = {
      default: new FakeDocker().on(/^ps /, { stdout: psLine('caiged-a', 'ida') }),
      far: new FakeDocker().on(/^ps /, { stdout: psLine('caiged-b', 'idb', 'exited') }),
      gone: new FakeDocker().on(/^ps /, {
        exitCode: 1,
        stderr: 'error during connect: dial tcp 10.9.9.9:2376: i/o timeout',
      }),
    }
    const rows = await listAllContexts({ passwords: false }, d, (engineEnv) => {
      asked.push(engineEnv)
      return new Docker(engines[engineEnv.DOCKER_CONTEXT as string] as FakeDocker)
    })
    expect(rows.map((r) => [r.name, r.engine, r.state])).toEqual([
      ['caiged-a', 'default', 'running'],
      ['caiged-b', 'far', 'exited'],
    ])
    // DOCKER_HOST emptied: a context by name, whatever this process was pointed at.
    expect(asked.map((e) => [e.DOCKER_CONTEXT, e.DOCKER_HOST])).toEqual([
      ['default', ''],
      ['far', ''],
      ['gone', ''],
    ])
    expect(d.recorded.warnings.join('\n')).toContain('Context gone (tcp://10.9.9.9:2376) did not answer')
  })
})
