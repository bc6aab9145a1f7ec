import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { commandLinesDuring, e2eWorld, type RunJson } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

describeEngine('what a container gets from the host: project, credentials, secrets, socket', () => {
  let world: ReturnType<typeof e2eWorld>
  let project: string
  const envFileValue = `from-env-file-${randomBytes(6).toString('hex')}`
  const authJson = JSON.stringify({ fake: { type: 'api', key: `key-${randomBytes(6).toString('hex')}` } })

  beforeAll(() => {
    world = e2eWorld('mnt')
    // A path docker's -v syntax could not take: a colon, a comma, a space and non-ASCII.
    project = world.project('we ird:ü,x')
    const home = world.env.HOME as string
    // gh, like caiged, keeps its config under $XDG_CONFIG_HOME when that is set.
    const gh = path.join(world.env.XDG_CONFIG_HOME as string, 'gh')
    fs.mkdirSync(gh, { recursive: true })
    fs.writeFileSync(path.join(gh, 'hosts.yml'), 'github.com:\n  user: e2e\n')
    fs.mkdirSync(path.join(home, '.local', 'share', 'opencode'), { recursive: true })
    fs.writeFileSync(path.join(home, '.local', 'share', 'opencode', 'auth.json'), authJson, { mode: 0o600 })
    fs.writeFileSync(path.join(world.root, 'secrets.env'), `FROM_FILE=${envFileValue}\n`)
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('mounts the project (any path), gh read-only, copies auth.json writable, passes the env file, and the socket only with --yes', async () => {
    const { result, commandLines } = await commandLinesDuring(() =>
      caiged(
        [
          'run',
          project,
          '--spin',
          'dev',
          '--no-connect',
          '--json',
          '--secret-env-file',
          path.join(world.root, 'secrets.env'),
          '--enable-docker-sock',
          '--yes',
        ],
        { env: world.env },
      ),
    )
    expect(result.exitCode, result.stderr).toBe(0)
    const { name } = JSON.parse(result.stdout) as RunJson
    expect([...commandLines].filter((c) => c.includes(envFileValue) || c.includes(authJson))).toEqual([])

    const inspect = JSON.parse(docker(['container', 'inspect', name]))[0]
    const mounts = Object.fromEntries(
      (inspect.Mounts as { Destination: string; Source: string; RW: boolean }[]).map((m) => [
        m.Destination,
        m,
      ]),
    )
    expect(mounts['/workspace']).toMatchObject({ Source: project, RW: true })
    expect(mounts['/home/agent/.config/gh']).toMatchObject({ RW: false })
    expect(mounts['/var/run/docker.sock']).toMatchObject({ RW: true })

    const inside = docker([
      'exec',
      name,
      'sh',
      '-c',
      [
        'ls /workspace >/dev/null && echo workspace-ok',
        'cat ~/.config/gh/hosts.yml | head -1',
        'touch ~/.config/gh/x 2>/dev/null && echo gh-writable || echo gh-readonly',
        'cat ~/.local/share/opencode/auth.json; echo',
        'stat -c %a ~/.local/share/opencode/auth.json',
        'test -w ~/.local/share/opencode/auth.json && echo auth-writable',
        'printenv FROM_FILE',
        'test -w /var/run/docker.sock && echo socket-usable',
      ].join('; '),
    ]).split('\n')
    expect(inside).toEqual([
      'workspace-ok',
      'github.com:',
      'gh-readonly',
      authJson,
      '600',
      'auth-writable',
      envFileValue,
      'socket-usable',
    ])
    // The server itself may rewrite auth.json (token refresh): the copy is the container's own.
    docker(['exec', name, 'sh', '-c', 'echo "{}" > ~/.local/share/opencode/auth.json'])
    expect(
      fs.readFileSync(
        path.join(world.env.HOME as string, '.local', 'share', 'opencode', 'auth.json'),
        'utf8',
      ),
    ).toBe(authJson)
  }, 600_000)

  it('drops the socket, gh and auth when asked, after saying what differs', async () => {
    const args = [
      'run',
      project,
      '--spin',
      'dev',
      '--no-connect',
      '--json',
      '--no-mount-gh',
      '--no-mount-opencode-auth',
    ]
    const refused = await caiged(args, { env: world.env })
    expect(refused.exitCode).toBe(2)
    const said = (JSON.parse(refused.stdout) as { error: { message: string } }).error.message
    expect(said).toContain('GitHub config mount: ro → none')
    expect(said).toContain('OpenCode auth: copy → none')
    expect(said).toContain('Docker socket: yes → no')
    expect(said).toContain('secret env file:')
    const recreated = await caiged([...args, '--recreate'], { env: world.env })
    expect(recreated.exitCode, recreated.stderr).toBe(0)
    const { name, action } = JSON.parse(recreated.stdout) as RunJson
    expect(action).toBe('recreated')
    const destinations = (
      JSON.parse(docker(['inspect', '--format', '{{json .Mounts}}', name])) as { Destination: string }[]
    )
      .map((m) => m.Destination)
      .sort()
    // What is left: the project, and its own volumes (user-space tools, sessions).
    expect(destinations).toEqual(['/home/agent/.local', '/home/agent/.local/share/opencode', '/workspace'])
    expect(() => execFileSync('docker', ['exec', name, 'test', '-e', '/var/run/docker.sock'])).toThrow()
  }, 600_000)
})
