import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'
import { fakeModelOpencodeJson, startFakeModel } from '../support/fake-model.js'

/**
 * A real agent round trip with no real model: a scripted OpenAI-compatible model runs in its own
 * container on a test network, and the caiged container's OpenCode uses it as its provider. The
 * test network is the agent's way out (config egress.network): the model is reached through the
 * agent's egress gateway, allowed by --allow-host, and refused once it is denied.
 */
describeEngine('agent round trip through the real OpenCode server, with a fake model', () => {
  let world: ReturnType<typeof e2eWorld>
  let project: string
  const network = `caiged-e2e-net-${randomBytes(3).toString('hex')}`
  const model = `${network}-model`
  let name = ''
  let url = ''
  let password = ''

  beforeAll(async () => {
    world = e2eWorld('rt')
    project = world.project('agentic')
    // The project's own opencode.json points OpenCode at the fake model, reached by its name.
    fs.writeFileSync(
      path.join(project, 'opencode.json'),
      fakeModelOpencodeJson(`http://${model}:4300/v1`, 'not-a-secret'),
    )
    if (process.getuid?.() === 0) fs.chownSync(path.join(project, 'opencode.json'), 1000, 1000)
    docker(['network', 'create', network])
    const configDir = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged')
    fs.mkdirSync(configDir, { recursive: true })
    fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ egress: { network } }))
    startFakeModel({ name: model, network, logDir: path.join(world.root, 'model-log'), port: 4300 })
    const result = await caiged(
      ['run', project, '--spin', 'dev', '--no-connect', '--json', '--allow-host', `${model}:4300`],
      { env: world.env },
    )
    expect(result.exitCode, result.stderr).toBe(0)
    ;({ name, url } = JSON.parse(result.stdout) as RunJson)
    password = world.password(name)
  }, 600_000)

  afterAll(() => {
    execFileSync('docker', ['rm', '-f', model], { stdio: 'ignore' })
    world?.cleanup()
    execFileSync('docker', ['network', 'rm', network], { stdio: 'ignore' })
  })

  const api = (p: string, body?: unknown) =>
    fetch(`${url}${p}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: basicAuth(password), 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(120_000),
    })

  it('sends a prompt through the server API, runs the model’s tool calls, and answers with its text', async () => {
    const session = (await (
      await api('/session?directory=%2Fworkspace', { title: 'round trip' })
    ).json()) as { id: string }
    const reply = await api(`/session/${session.id}/message?directory=%2Fworkspace`, {
      parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
    })
    expect(reply.status).toBe(200)
    const message = (await reply.json()) as { parts: { type: string; text?: string }[] }
    expect(message.parts.filter((p) => p.type === 'text').map((p) => p.text)).toContain(
      'Round trip done by the fake model.',
    )

    // The write landed in the host project, owned by the image's agent user (the host user's uid).
    const written = path.join(project, 'from-agent.txt')
    expect(fs.readFileSync(written, 'utf8')).toBe('written by the agent through a tool call\n')
    const agentUid = Number(
      docker([
        'image',
        'inspect',
        '--format',
        '{{index .Config.Labels "io.caiged.agent-uid"}}',
        `${world.prefix}:dev`,
      ]),
    )
    expect(fs.statSync(written).uid).toBe(agentUid)
    // The write outside /workspace happened in the container and reached nothing on the host.
    expect(docker(['exec', name, 'cat', '/home/agent/outside.txt'])).toBe('outside')
    expect(fs.readdirSync(project).sort()).toEqual(['from-agent.txt', 'opencode.json'])
  }, 180_000)

  it('fails with one clear error once the model’s host is denied, and the model sees nothing', async () => {
    const denied = await caiged(['egress', 'deny', name, `${model}:4300`], { env: world.env })
    expect(denied.exitCode, denied.stderr).toBe(0)
    const log = path.join(world.root, 'model-log', 'requests.jsonl')
    const before = fs.readFileSync(log, 'utf8')
    const session = (await (await api('/session?directory=%2Fworkspace', { title: 'denied' })).json()) as {
      id: string
    }
    const reply = await api(`/session/${session.id}/message?directory=%2Fworkspace`, {
      parts: [{ type: 'text', text: 'Say anything.' }],
    })
    const message = (await reply.json()) as {
      info?: { error?: { name?: string; data?: { message?: string } } }
    }
    expect(message.info?.error?.data?.message ?? JSON.stringify(message)).toMatch(/403|Forbidden/)
    expect(fs.readFileSync(log, 'utf8')).toBe(before)
    const entries = JSON.parse(
      (await caiged(['egress', 'log', name, '--json'], { env: world.env })).stdout,
    ) as {
      destination: string
      decision: string
    }[]
    expect(entries).toContainEqual(
      expect.objectContaining({ destination: `${model}:4300`, decision: 'denied' }),
    )
  }, 180_000)
})
