import { expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { hostClientBinDir } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

interface Report {
  healthy: boolean
  checks: { name: string; status: string; detail: string; fix?: string }[]
}

describeEngine('caiged doctor', () => {
  it('reports the engine, buildx and OpenCode versions as JSON on this machine', async () => {
    const client = hostClientBinDir()
    const result = await caiged(['doctor', '--json'], {
      env: { PATH: `${client.binDir}:${process.env.PATH}` },
    })
    const report = JSON.parse(result.stdout) as Report
    const byName = (name: string) => report.checks.find((c) => c.name === name)
    expect(byName('docker')).toMatchObject({ status: 'ok' })
    expect(byName('docker')?.detail).toMatch(/^client \d+\.\d+\.\d+, engine \d+\.\d+/)
    expect(byName('buildx')?.detail).toMatch(/^buildx \d+\.\d+\.\d+$/)
    expect(byName('opencode')).toMatchObject({ status: 'ok', detail: `host client ${client.version}` })
    expect(byName('image store')?.status).toMatch(/^(ok|warn)$/)
    expect(result.exitCode).toBe(report.healthy ? 0 : 1)
  }, 120_000)

  it('fails with the fix and a non-zero exit when the engine is not reachable', async () => {
    const result = await caiged(['doctor', '--json'], {
      env: { DOCKER_HOST: 'unix:///nonexistent/caiged-doctor.sock' },
    })
    expect(result.exitCode).toBe(1)
    const report = JSON.parse(result.stdout) as Report
    expect(report.healthy).toBe(false)
    const docker = report.checks.find((c) => c.name === 'docker')
    expect(docker).toMatchObject({
      status: 'fail',
      detail: 'The Docker engine at unix:///nonexistent/caiged-doctor.sock is not reachable.',
    })
    expect(docker?.fix).toContain('DOCKER_HOST')
    const text = await caiged(['doctor'], { env: { DOCKER_HOST: 'unix:///nonexistent/caiged-doctor.sock' } })
    expect(text.exitCode).toBe(1)
    expect(text.stdout).toMatch(/^FAIL {2}docker/m)
    expect(text.stdout).toContain('fix: Start the Docker engine')
  }, 60_000)
})
