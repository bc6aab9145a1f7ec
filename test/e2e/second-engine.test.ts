import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { e2eRequired, engineProblem, testBaseImage } from '../support/engine.js'

/** The second engine .ci/docker-engine-b.sh starts: another machine's engine, as far as caiged knows. */
const SOCKET = '/run/docker-b.sock'
const onB = { DOCKER_HOST: `unix://${SOCKET}` }
function engineBProblem(): string | undefined {
  if (engineProblem) return `no Docker engine (${engineProblem})`
  try {
    docker(['version', '--format', '{{.Server.Version}}'], { env: onB })
    return undefined
  } catch {
    return `no second engine on ${SOCKET}: start it with bash .ci/docker-engine-b.sh`
  }
}
const problem = engineBProblem()
if (problem && !engineProblem) console.warn(`[caiged] second-engine tests: ${problem}`)

describe.skipIf(engineProblem !== undefined || (problem !== undefined && !e2eRequired))(
  'another engine through a docker context: built by its BuildKit, run there',
  () => {
    let world: ReturnType<typeof e2eWorld>
    let context: string
    let env: Record<string, string>
    // Egress open: CI's second engine runs without iptables on a host whose FORWARD policy (the
    // first engine's) drops traffic between its containers, so an agent there cannot reach a
    // gateway. What is tested here is the build and the run on another engine.
    const run = (project: string) =>
      caiged(['run', project, '--spin', 'lite', '--no-connect', '--json', '--egress', 'open'], { env })

    beforeAll(() => {
      if (problem) throw new Error(`CAIGED_E2E=1 but ${problem}`)
      world = e2eWorld('ctx')
      context = `${world.prefix}-b`
      // A spin with no packages: a build on the second engine needs no network.
      const spin = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'spins', 'lite')
      fs.mkdirSync(spin, { recursive: true })
      fs.writeFileSync(path.join(spin, 'AGENTS.md'), '# Lite\n\nA spin without packages.\n')
      fs.writeFileSync(path.join(spin, 'spin.yaml'), 'description: A spin without packages.\n')
      // Contexts live in the docker config of the test's own HOME.
      env = { ...world.env, DOCKER_CONTEXT: context }
      docker(['context', 'create', context, '--docker', `host=unix://${SOCKET}`], { env: world.env })
      spawnIgnore(['image', 'rm', '-f', testBaseImage], onB)
    }, 120_000)
    afterAll(() => {
      if (!world) return
      const names = docker(['ps', '-aq', '--filter', `name=^${world.prefix}-`], { env: onB })
        .split('\n')
        .filter(Boolean)
      if (names.length) spawnIgnore(['rm', '-f', ...names], onB)
      const volumes = docker(['volume', 'ls', '-q', '--filter', `name=^${world.prefix}-`], { env: onB })
        .split('\n')
        .filter(Boolean)
      if (volumes.length) spawnIgnore(['volume', 'rm', '-f', ...volumes], onB)
      const networks = docker(['network', 'ls', '-q', '--filter', `name=^${world.prefix}-`], { env: onB })
        .split('\n')
        .filter(Boolean)
      if (networks.length) spawnIgnore(['network', 'rm', ...networks], onB)
      spawnIgnore(['image', 'rm', '-f', `${world.prefix}:lite`, testBaseImage], onB)
      spawnIgnore(['context', 'rm', '-f', context], world.env)
      world.cleanup()
    })

    it('says plainly that a base image only the other engine has cannot be seen by this builder', async () => {
      const result = await run(world.project('plain'))
      expect(result.exitCode).toBe(5)
      const error = (JSON.parse(result.stdout) as { error: { message: string; suggestions: string[] } }).error
      expect(error.message).toBe(
        `The base image ${testBaseImage} is not in the image store of the engine this build runs on, and cannot be pulled from a registry.`,
      )
      expect(error.suggestions[0]).toContain(`docker save ${testBaseImage}`)
      expect(docker(['ps', '-aq', '--filter', `name=^${world.prefix}-`], { env: onB })).toBe('')
    }, 300_000)

    it('builds the image with that engine’s BuildKit and runs the container there, healthy on 127.0.0.1', async () => {
      execFileSync(
        'sh',
        ['-c', `docker save ${testBaseImage} | DOCKER_HOST=unix://${SOCKET} docker load -q`],
        {
          stdio: 'ignore',
        },
      )
      const result = await run(world.project('there'))
      expect(result.exitCode, `${result.stderr.slice(-2000)}\n${result.stdout.slice(-3000)}`).toBe(0)
      const json = JSON.parse(result.stdout) as RunJson
      expect(json.image.source).toBe('build')
      expect(docker(['inspect', '--format', '{{.State.Running}}', json.name], { env: onB })).toBe('true')
      expect(docker(['ps', '-aq', '--filter', `name=^${json.name}$`])).toBe('')
      expect(docker(['image', 'ls', '-q', `${world.prefix}:lite`], { env: onB })).not.toBe('')
      expect(docker(['image', 'ls', '-q', `${world.prefix}:lite`])).toBe('')
      const health = await fetch(`${json.url}/global/health`, {
        headers: { authorization: basicAuth(world.password(json.name)) },
      })
      expect(health.status).toBe(200)
      expect((await run(world.project('there'))).exitCode).toBe(0)
    }, 300_000)
  },
)

function spawnIgnore(args: string[], env: Record<string, string | undefined>): void {
  try {
    execFileSync('docker', args, { env: { ...process.env, ...env }, stdio: 'ignore' })
  } catch {
    // already gone
  }
}
