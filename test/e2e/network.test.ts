import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

describeEngine('isolation: every agent on a network of its own, never the default bridge', () => {
  let world: ReturnType<typeof e2eWorld>
  let a: RunJson
  let b: RunJson
  let stranger: string
  const run = async (project: string, extra: string[] = []) => {
    const result = await caiged(['run', project, '--spin', 'dev', '--no-connect', '--json', ...extra], {
      env: world.env,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    return { json: JSON.parse(result.stdout) as RunJson, stderr: result.stderr }
  }
  const networksOf = (name: string) =>
    Object.keys(
      JSON.parse(docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', name])) as object,
    )
  const ipOf = (name: string) =>
    docker(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', name])
      .trim()
      .split(' ')[0] as string
  /** Whether a TCP connection to ip:port opens from inside a container (bash's /dev/tcp, 3 s). */
  const opensFrom = (argv: string[], ip: string, port = 4096) =>
    docker([
      ...argv,
      'bash',
      '-c',
      `timeout 3 bash -c 'exec 3<>/dev/tcp/${ip}/${port}' 2>/dev/null && echo open || echo closed`,
    ])

  beforeAll(async () => {
    world = e2eWorld('net')
    const built = await caiged(['build', 'dev'], { env: world.env })
    expect(built.exitCode, built.stderr).toBe(0)
    a = (await run(world.project('a'))).json
    b = (await run(world.project('b'))).json
    // A container caiged did not make, on the default bridge, listening like a developer's database.
    stranger = `${world.prefix}-stranger`
    execFileSync(
      'docker',
      [
        'run',
        '-d',
        '--name',
        stranger,
        '--entrypoint',
        'opencode',
        `${world.prefix}:dev`,
        'serve',
        '--hostname',
        '0.0.0.0',
        '--port',
        '4096',
      ],
      {
        stdio: 'ignore',
      },
    )
    for (
      let i = 0;
      i < 100 && opensFrom(['run', '--rm', `${world.prefix}:dev`], ipOf(stranger)) !== 'open';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 200))
    }
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('puts each agent on its own network', () => {
    expect(networksOf(a.name)).toEqual([`${a.name}-net`])
    expect(networksOf(b.name)).toEqual([`${b.name}-net`])
    expect(docker(['network', 'inspect', '--format', '{{json .Labels}}', `${a.name}-net`])).toContain(
      '"io.caiged.container":"' + a.name + '"',
    )
  })

  it('an agent cannot open a connection to another agent, nor to a container on the default bridge', () => {
    // The probes can succeed: from the same networks, both answer.
    expect(
      opensFrom(['run', '--rm', '--network', `${b.name}-net`, `${world.prefix}:dev`], ipOf(b.name)),
    ).toBe('open')
    expect(opensFrom(['run', '--rm', `${world.prefix}:dev`], ipOf(stranger))).toBe('open')
    // From agent A: neither.
    expect(opensFrom(['exec', a.name], ipOf(b.name))).toBe('closed')
    expect(opensFrom(['exec', a.name], ipOf(stranger))).toBe('closed')
  }, 60_000)

  it('joins a named network only when asked, and says what that allows', async () => {
    const shared = `${world.prefix}-shared`
    docker(['network', 'create', shared])
    // A named network is a way out an egress policy cannot hold: it takes --egress open.
    const refused = await caiged(
      ['run', world.project('c'), '--spin', 'dev', '--no-connect', '--json', '--network', shared],
      {
        env: world.env,
      },
    )
    expect(refused.exitCode).toBe(2)
    expect(JSON.parse(refused.stdout).error.message).toContain(
      `--network ${shared} puts the agent on a network with a way out`,
    )
    const { json, stderr } = await run(world.project('c'), ['--network', shared, '--egress', 'open'])
    expect(networksOf(json.name)).toEqual([shared])
    expect(stderr).toContain(`The agent joins the network ${shared}: it can reach every container on it`)
    docker(['rm', '-f', json.name])
  }, 120_000)

  it('removes its own network with the container, and nothing else', async () => {
    const removed = await caiged(['containers', 'rm', '--force', a.name], { env: world.env })
    expect(removed.exitCode, removed.stderr).toBe(0)
    expect(docker(['network', 'ls', '-q', '--filter', `name=^${a.name}-net$`])).toBe('')
    expect(docker(['network', 'ls', '-q', '--filter', `name=^${b.name}-net$`])).not.toBe('')
  }, 60_000)
})
