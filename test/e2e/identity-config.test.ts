import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

describeEngine('user config and git identity', () => {
  let world: ReturnType<typeof e2eWorld>
  let project: string
  let name: string
  const configFile = () => path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'config.json')

  beforeAll(() => {
    world = e2eWorld('idc')
    project = world.project('repo')
    const home = world.env.HOME as string
    fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = E2E Host\n\temail = host@example.com\n')
  }, 600_000)
  afterAll(() => world?.cleanup())

  it('refuses a config file with a typo, precisely, before doing anything', async () => {
    fs.mkdirSync(path.dirname(configFile()), { recursive: true })
    fs.writeFileSync(configFile(), JSON.stringify({ defaultSpin: 'dev', resources: { memroy: '1g' } }))
    const result = await caiged(['run', project, '--no-connect'], { env: world.env })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain(`Error: ${configFile()} is invalid: unknown field resources.memroy.`)
    expect(docker(['ps', '-a', '-q', '--filter', `name=^${world.prefix}-`])).toBe('')
  })

  it('applies a valid config to docker run: default spin and resource limits', async () => {
    fs.rmSync(configFile())
    for (const [key, value] of [
      ['defaultSpin', 'dev'],
      ['resources.memory', '768m'],
      ['resources.pids', '300'],
      ['mounts.gh', 'none'],
    ]) {
      const set = await caiged(['config', 'set', key as string, value as string], { env: world.env })
      expect(set.exitCode, set.stderr).toBe(0)
    }
    const bad = await caiged(['config', 'set', 'resources.cpus', '"lots"'], { env: world.env })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('Not saved: resources.cpus:')
    expect((await caiged(['config', 'get', 'resources.memory'], { env: world.env })).stdout).toBe('768m')

    const result = await caiged(['run', project, '--no-connect', '--json'], { env: world.env })
    expect(result.exitCode, result.stderr).toBe(0)
    name = (JSON.parse(result.stdout) as { name: string }).name
    expect(name).toBe(`${world.prefix}-dev-projects-repo`)
    const host = JSON.parse(docker(['inspect', '--format', '{{json .HostConfig}}', name])) as {
      Memory: number
      PidsLimit: number
    }
    expect(host.Memory).toBe(768 * 1024 * 1024)
    expect(host.PidsLimit).toBe(300)
  }, 600_000)

  it('commits inside the container carry the host’s name and email by default', () => {
    const author = docker([
      'exec',
      name,
      'sh',
      '-c',
      'cd /workspace && git init -q && git commit -q --allow-empty -m from-agent && git log -1 --format="%an <%ae>|%cn <%ce>"',
    ])
    expect(author).toBe('E2E Host <host@example.com>|E2E Host <host@example.com>')
    // Only the identity crossed over: the host's git config file did not.
    expect(docker(['exec', name, 'sh', '-c', 'test -e ~/.gitconfig && echo yes || echo no'])).toBe('no')
  })

  it('uses the agent identity with --git-identity agent, and a key only the agent uses with --ssh-key', async () => {
    const key = path.join(world.root, 'agent_key')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'caiged-e2e', '-f', key])
    if (process.getuid?.() === 0) fs.chownSync(key, 1000, 1000)
    const args = ['run', project, '--no-connect', '--json', '--git-identity', 'agent', '--ssh-key', key]
    const refused = await caiged(args, { env: world.env })
    expect(refused.exitCode).toBe(2)
    expect(JSON.parse(refused.stdout).error.message).toContain(
      'git identity: host: E2E Host <host@example.com> → agent: caiged agent (dev) <agent@caiged.invalid>',
    )
    const result = await caiged([...args, '--recreate'], { env: world.env })
    expect(result.exitCode, result.stderr).toBe(0)
    const out = docker([
      'exec',
      name,
      'sh',
      '-c',
      'cd /workspace && git commit -q --allow-empty -m again && git log -1 --format="%an <%ae>"; ssh -V 2>&1 | cut -c1-7; ssh-keygen -y -f /run/caiged/ssh-key | cut -d" " -f1; echo "$GIT_SSH_COMMAND"',
    ]).split('\n')
    expect(out).toEqual([
      'caiged agent (dev) <agent@caiged.invalid>',
      'OpenSSH',
      'ssh-ed25519',
      // The agent's own key, and its way out for ssh: the egress gateway.
      `ssh -i /run/caiged/ssh-key -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o ProxyCommand="nc -X connect -x ${name}-egress:3128 %h %p"`,
    ])
    const mount = (
      JSON.parse(docker(['inspect', '--format', '{{json .Mounts}}', name])) as {
        Destination: string
        RW: boolean
      }[]
    ).find((m) => m.Destination === '/run/caiged/ssh-key')
    expect(mount?.RW).toBe(false)
  }, 600_000)

  it('forwards the host ssh-agent with --ssh-agent: the agent can use its keys, not read them', async () => {
    // ssh-agent serves only its own uid: as root, run it as the image's agent uid, as a user's would be.
    const dir = path.join(world.root, 'ssh-agent')
    fs.mkdirSync(dir)
    const asAgentUid =
      process.getuid?.() === 0 ? ['setpriv', '--reuid=1000', '--regid=1000', '--clear-groups'] : []
    if (asAgentUid.length) {
      fs.chmodSync(world.root, 0o711) // so that uid can reach its folder
      fs.chownSync(dir, 1000, 1000)
    }
    const key = path.join(dir, 'key')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'caiged-e2e-agent', '-f', key])
    if (asAgentUid.length) fs.chownSync(key, 1000, 1000)
    const socket = path.join(dir, 'agent.sock')
    const argv = [...asAgentUid, 'ssh-agent', '-D', '-a', socket]
    const agent = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' })
    try {
      for (let i = 0; i < 50 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100))
      const add = [...asAgentUid, 'ssh-add', '-q', key]
      execFileSync(add[0] as string, add.slice(1), { env: { ...process.env, SSH_AUTH_SOCK: socket } })
      const result = await caiged(['run', project, '--no-connect', '--json', '--ssh-agent', '--recreate'], {
        env: { ...world.env, SSH_AUTH_SOCK: socket },
      })
      expect(result.exitCode, result.stderr).toBe(0)
      const keys = docker(['exec', name, 'sh', '-c', 'echo "$SSH_AUTH_SOCK"; ssh-add -l'])
      expect(keys.split('\n')[0]).toBe('/run/caiged/ssh-agent.sock')
      expect(keys).toMatch(/caiged-e2e-agent \(ED25519\)/)
      // Only the socket crossed over: no key file is in the container.
      expect(docker(['exec', name, 'sh', '-c', 'ls /run/caiged'])).toBe('ssh-agent.sock')
    } finally {
      agent.kill('SIGTERM')
    }
  }, 600_000)
})
