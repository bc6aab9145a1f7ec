import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Docker, DockerCli } from '../../src/docker/index.js'
import { CaigedError, ExitCode } from '../../src/errors.js'
import { describeEngine, testBaseImage } from '../support/engine.js'
import { caiged } from '../support/cli.js'

describeEngine('docker adapter against the real engine', () => {
  const docker = new Docker()
  const run = randomBytes(4).toString('hex')
  const name = `caiged-e2e-adapter-${run}`

  beforeAll(() => {
    execFileSync('docker', [
      'run',
      '-d',
      '--name',
      name,
      '--init',
      '--label',
      'io.caiged.managed=true',
      '--label',
      'io.caiged.spin=dev',
      '--label',
      `io.caiged.project=adapter-${run}`,
      '--label',
      'io.caiged.port=4999',
      '--label',
      'io.caiged.workdir=/tmp/a,b=c',
      '-p',
      '127.0.0.1::4096',
      testBaseImage,
      'sleep',
      '300',
    ])
  })
  afterAll(() => {
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' })
  })

  it('reports client and server versions, and engine info', async () => {
    const version = await docker.system.version()
    expect(version.Server.Version).toMatch(/^\d+\.\d+/)
    expect(version.Client.ApiVersion).toMatch(/^1\.\d+$/)
    const info = await docker.system.info()
    expect(info.ID).not.toBe('')
    expect(info.ServerVersion).toBe(version.Server.Version)
  })

  it('inspects a real container: state, labels, 127.0.0.1 port binding, init', async () => {
    const container = await docker.containers.inspect(name)
    expect(container?.Name).toBe(name)
    expect(container?.State.Running).toBe(true)
    expect(container?.Config.Labels['io.caiged.workdir']).toBe('/tmp/a,b=c')
    expect(container?.HostConfig.Init).toBe(true)
    const binding = container?.NetworkSettings.Ports['4096/tcp']?.[0]
    expect(binding?.HostIp).toBe('127.0.0.1')
    expect(Number(binding?.HostPort)).toBeGreaterThan(0)
  })

  it('lists it with ps, filtered by label, with its labels parsed', async () => {
    const listed = await docker.containers.list({
      all: true,
      labels: { 'io.caiged.project': `adapter-${run}` },
    })
    expect(listed.map((c) => c.Names)).toEqual([name])
    expect(listed[0]?.State).toBe('running')
    expect(listed[0]?.labelMap['io.caiged.spin']).toBe('dev')
    expect(listed[0]?.Ports).toMatch(/^127\.0\.0\.1:\d+->4096\/tcp$/)
  })

  it('shows it in `caiged containers list --json`', async () => {
    const result = await caiged(['containers', 'list', '--json'])
    expect(result.exitCode).toBe(0)
    const rows = JSON.parse(result.stdout) as { name: string; spin: string; state: string; port: number }[]
    const row = rows.find((r) => r.name === name)
    expect(row).toMatchObject({ spin: 'dev', state: 'running' })
    const live = await docker.containers.inspect(name)
    expect(row?.port).toBe(Number(live?.NetworkSettings.Ports['4096/tcp']?.[0]?.HostPort))
  })

  it('returns undefined for a missing container or image, not an error', async () => {
    expect(await docker.containers.inspect(`caiged-e2e-missing-${run}`)).toBeUndefined()
    expect(await docker.images.inspect(`caiged-e2e-missing:${run}`)).toBeUndefined()
    const image = await docker.images.inspect(testBaseImage)
    expect(image?.RepoTags).toContain(testBaseImage.includes(':') ? testBaseImage : `${testBaseImage}:latest`)
  })

  it('maps an engine with nothing behind its socket to one clear error', async () => {
    const saved = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = `unix:///tmp/caiged-no-engine-${run}.sock`
    try {
      const error = await new Docker(new DockerCli()).containers.list().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CaigedError)
      expect((error as CaigedError).exitCode).toBe(ExitCode.Docker)
      expect((error as CaigedError).message).toBe(
        `The Docker engine at unix:///tmp/caiged-no-engine-${run}.sock is not reachable.`,
      )
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = saved
    }
  })

  it('says so through the CLI too: exit 4, one sentence and a hint, no stack trace', async () => {
    const result = await caiged(['containers', 'list'], {
      env: { DOCKER_HOST: `unix:///tmp/caiged-no-engine-${run}.sock` },
    })
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toContain(
      `The Docker engine at unix:///tmp/caiged-no-engine-${run}.sock is not reachable.`,
    )
    expect(result.stderr).toContain('DOCKER_HOST')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('says docker is not installed when PATH has none', async () => {
    const result = await caiged(['containers', 'list'], { env: { PATH: '/nonexistent' } })
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toContain('Docker is not installed')
  })
})
