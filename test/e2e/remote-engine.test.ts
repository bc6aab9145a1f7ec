import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptsConnection } from '../../src/loopback.js'
import { basicAuth } from '../../src/opencode/health.js'
import { caiged, caigedBin } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, type RunJson } from '../support/e2e-env.js'
import { e2eRequired, engineProblem, testBaseImage } from '../support/engine.js'
import { fakeModelOpencodeJson, startFakeModelOn } from '../support/fake-model.js'

/**
 * The second machine .ci/remote-engine.sh starts: its own disk, loopback and Docker 28 engine,
 * reached only over ssh (host alias caiged-ci-remote, through the ssh on its bin/ first on PATH).
 */
const REMOTE_BIN = '/etc/caiged-ci-remote/bin'
const HOST = 'ssh://caiged-ci-remote'
const viaSsh = { PATH: `${REMOTE_BIN}:${process.env.PATH ?? ''}`, DOCKER_HOST: HOST }
function remoteProblem(): string | undefined {
  if (engineProblem) return `no Docker engine (${engineProblem})`
  if (!fs.existsSync(path.join(REMOTE_BIN, 'ssh')))
    return 'no second machine: start it with bash .ci/remote-engine.sh'
  // Up to a minute: a restart of the engine it runs on (the reliability drill) restarts it too.
  for (let i = 0; i < 30; i++) {
    const probe = spawnSync('docker', ['version'], {
      env: { ...process.env, ...viaSsh },
      stdio: 'ignore',
      timeout: 15_000,
    })
    if (probe.status === 0) return undefined
    spawnSync('sleep', ['2'])
  }
  return `the second machine does not answer on ${HOST}: start it with bash .ci/remote-engine.sh`
}
const problem = remoteProblem()
if (problem && !engineProblem) console.warn(`[caiged] remote-engine tests: ${problem}`)

describe.skipIf(engineProblem !== undefined || (problem !== undefined && !e2eRequired))(
  'an engine on another machine over ssh: the project as a copy there, its server forwarded here',
  () => {
    let world: ReturnType<typeof e2eWorld>
    let env: Record<string, string>
    let outward = ''
    let project = ''
    let agent: RunJson & { stderr: string }
    // A GitHub CLI signed in (the gateway injects its token) and a key of the agent's own: files a
    // bind gives on this machine, copied in there.
    const ghToken = `gho_${randomBytes(18).toString('hex')}`
    let sshKey = ''
    const model = () => `${world.prefix}-model`
    const remote = (args: string[]) => docker(args, { env: viaSsh })
    const git = (dir: string, ...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], {
        encoding: 'utf8',
        env: { ...process.env, HOME: world.env.HOME },
      })
    const inAgent = (name: string, script: string) =>
      remote(['exec', '-w', '/workspace', name, 'sh', '-c', script])
    const ours = (what: 'ps -a' | 'volume ls' | 'network ls', on: 'here' | 'there') => {
      const args = {
        'ps -a': ['ps', '--all', '--format', '{{.Names}}'],
        'volume ls': ['volume', 'ls', '--format', '{{.Name}}'],
        'network ls': ['network', 'ls', '--format', '{{.Name}}'],
      }[what].concat(['--filter', `name=${world.prefix}`])
      return (on === 'there' ? remote(args) : docker(args)).split('\n').filter(Boolean)
    }
    const run = async (dir: string, ...more: string[]) => {
      const result = await caiged(
        ['run', dir, '--spin', 'lite', '--no-connect', '--json', '--allow-host', `${model()}:4300`, ...more],
        { env },
      )
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
      return { ...(JSON.parse(result.stdout) as RunJson), stderr: result.stderr }
    }

    beforeAll(async () => {
      if (problem) throw new Error(`CAIGED_E2E=1 but ${problem}`)
      world = e2eWorld('remote')
      outward = `${world.prefix}-out`
      // A docker context, as users reach another machine; it lives in the docker config of the test's HOME.
      docker(['context', 'create', 'far', '--docker', `host=${HOST}`], { env: world.env })
      env = { ...world.env, PATH: `${REMOTE_BIN}:${world.env.PATH}`, DOCKER_CONTEXT: 'far' }
      const spin = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'spins', 'lite')
      fs.mkdirSync(spin, { recursive: true })
      fs.writeFileSync(path.join(spin, 'AGENTS.md'), '# Lite\n\nA spin without packages.\n')
      fs.writeFileSync(path.join(spin, 'spin.yaml'), 'description: A spin without packages.\n')
      fs.writeFileSync(
        path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'config.json'),
        JSON.stringify({ egress: { network: outward } }),
      )
      fs.writeFileSync(path.join(world.env.HOME as string, '.gitconfig'), '[safe]\n\tdirectory = *\n')
      remote(['network', 'create', outward])
      startFakeModelOn(viaSsh, { name: model(), network: outward, port: 4300 })
      project = world.project('far')
      git(project, 'init', '-q', '-b', 'main')
      fs.writeFileSync(path.join(project, 'README.md'), 'one\ntwo\nthree\n')
      fs.writeFileSync(
        path.join(project, 'opencode.json'),
        fakeModelOpencodeJson(`http://${model()}:4300/v1`, 'x'),
      )
      git(project, 'add', '.')
      git(project, '-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'First')
      if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', project])
      const ghDir = path.join(world.env.XDG_CONFIG_HOME as string, 'gh')
      fs.mkdirSync(ghDir, { recursive: true })
      fs.writeFileSync(
        path.join(ghDir, 'hosts.yml'),
        `github.com:\n    git_protocol: https\n    user: octo\n    oauth_token: ${ghToken}\n`,
      )
      sshKey = path.join(world.root, 'agent_key')
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'agent', '-f', sshKey])
      agent = await run(project, '--ssh-key', sshKey)
    }, 900_000)

    afterAll(() => {
      if (!world) return
      const rm = (args: string[]) =>
        spawnSync('docker', args, { env: { ...process.env, ...viaSsh }, stdio: 'ignore' })
      const there = (what: 'ps -a' | 'volume ls' | 'network ls') => ours(what, 'there')
      const containers = there('ps -a')
      if (containers.length) rm(['rm', '-f', ...containers])
      const volumes = there('volume ls')
      if (volumes.length) rm(['volume', 'rm', '-f', ...volumes])
      const networks = there('network ls')
      if (networks.length) rm(['network', 'rm', ...networks])
      rm(['image', 'rm', '-f', `${world.prefix}:lite`, `${world.prefix}:egress`])
      world.cleanup()
    })

    it('chooses a copy by itself: the agent there has the project (with its history), nothing of this machine is mounted', () => {
      expect(agent.stderr).toMatch(/Copied .* into .* \(\d+\.\d MB in \d+\.\d s\)/)
      expect(inAgent(agent.name, 'ls -A | sort').split('\n')).toEqual(['.git', 'README.md', 'opencode.json'])
      expect(inAgent(agent.name, 'git log --format=%s')).toBe('First')
      const inspect = JSON.parse(remote(['container', 'inspect', agent.name]))[0]
      expect(inspect.Config.Labels['io.caiged.workspace']).toBe('copy')
      expect((inspect.Mounts as { Type: string }[]).filter((m) => m.Type === 'bind')).toEqual([])
      // What binds give here is copied in, owned by the agent: its key (0600), the gateway CA's
      // certificate (trusted through NODE_EXTRA_CA_CERTS), gh's folder with a placeholder token.
      expect(inAgent(agent.name, 'stat -c "%u %a" /run/caiged/ssh-key')).toBe('1000 600')
      expect(inAgent(agent.name, 'cat /run/caiged/ssh-key')).toBe(fs.readFileSync(sshKey, 'utf8').trim())
      expect(inAgent(agent.name, 'head -1 "$NODE_EXTRA_CA_CERTS"')).toBe('-----BEGIN CERTIFICATE-----')
      expect(inAgent(agent.name, 'cat ~/.config/gh/hosts.yml')).toMatch(/oauth_token: gho_\w+/)
      // The real token is nowhere in the agent, there: files, environments, its config.
      const found = spawnSync(
        'docker',
        [
          'exec',
          agent.name,
          'sh',
          '-c',
          'grep -rls "$0" /home /run /workspace /tmp /proc/[0-9]*/environ 2>/dev/null',
          ghToken,
        ],
        { env: { ...process.env, ...viaSsh }, encoding: 'utf8' },
      )
      expect(found.stdout.trim()).toBe('')
      expect(JSON.stringify(inspect)).not.toContain(ghToken)
      // Nothing of it on this machine's engine.
      expect(ours('ps -a', 'here')).toEqual([])
      // The machine there has no such folder: a bind would have been refused or been another folder.
      expect(
        spawnSync('docker', ['run', '--rm', '--entrypoint', 'test', testBaseImage, '-e', project], {
          env: { ...process.env, ...viaSsh },
        }).status,
      ).not.toBe(0)
    })

    /**
     * `caiged connect NAME` under tmux with `runEnv`, until the TUI shows /workspace; `during` runs
     * while it is attached; then Ctrl+C, and its exit code must be 0.
     */
    const withTui = async (runEnv: Record<string, string>, during: () => Promise<void> = async () => {}) => {
      const socket = `caiged-e2e-${randomBytes(3).toString('hex')}`
      const tmux = (...a: string[]) =>
        execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: { ...process.env, ...runEnv } })
      const until = async (text: string, tries: number) => {
        let screen = ''
        for (let i = 0; i < tries && !screen.includes(text); i++) {
          await new Promise((r) => setTimeout(r, 250))
          screen = tmux('capture-pane', '-p', '-t', 'tui')
        }
        expect(screen, screen).toContain(text)
        return screen
      }
      try {
        tmux(
          ...['new-session', '-d', '-s', 'tui', '-x', '160', '-y', '45'],
          `${process.execPath} ${caigedBin} connect ${agent.name}; echo EXIT=$?; sleep 60`,
        )
        await until('/workspace', 160)
        await during()
        tmux('send-keys', '-t', 'tui', 'C-c')
        await until('EXIT=0', 40)
      } finally {
        spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' })
      }
    }

    /**
     * `caiged containers port NAME --forward --json` with `runEnv`: the server's forwarded port is
     * given to `during`; then SIGINT, which must end it with 0 and the port with it.
     */
    const withForwardedPorts = async (
      runEnv: Record<string, string>,
      during: (server: number) => Promise<void>,
      name = agent.name,
    ) => {
      const held = spawn(process.execPath, [caigedBin, 'containers', 'port', name, '--forward', '--json'], {
        env: { ...process.env, ...runEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      try {
        let out = ''
        held.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
        for (let i = 0; i < 80 && !out.includes(']'); i++) await new Promise((r) => setTimeout(r, 250))
        const rows = JSON.parse(out) as { container: number; host: number }[]
        const server = rows.find((r) => r.container === 4096)?.host as number
        await during(server)
        const exited = new Promise<number | null>((resolve) => held.once('exit', resolve))
        held.kill('SIGINT')
        expect(await exited).toBe(0)
        expect(await acceptsConnection(server)).toBe(false)
      } finally {
        held.kill('SIGKILL')
      }
    }

    /** The same engine by its tcp endpoint (mutual TLS): DOCKER_HOST wins over the context. */
    const overTcp = () => ({
      ...env,
      DOCKER_HOST: 'tcp://127.0.0.1:22376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/etc/caiged-ci-remote/tls',
    })

    /** The server's health at 127.0.0.1:port with the derived password, and without (a new connection each). */
    const healthStatuses = async (port: number) => {
      const ask = async (headers: Record<string, string>) =>
        (
          await fetch(`http://127.0.0.1:${port}/global/health`, {
            headers: { ...headers, connection: 'close' },
          })
        ).status
      return [await ask({ authorization: basicAuth(world.password(agent.name)) }), await ask({})]
    }

    it('the TUI attaches through a forward to this machine’s 127.0.0.1, where the server answers with the derived password; the forward ends with it', async () => {
      let url = ''
      await withTui(env, async () => {
        // The TUI's own argv names the server it attached to: this machine's loopback.
        const attach = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
          .split('\n')
          .find((line) => line.includes('attach http://127.0.0.1:') && line.includes('--dir /workspace'))
        url = /http:\/\/127\.0\.0\.1:\d+/.exec(attach ?? '')?.[0] ?? ''
        expect(url, attach).not.toBe('')
        expect(await healthStatuses(Number(new URL(url).port))).toEqual([200, 401])
      })
      // The password is in no process's argv, here or there.
      const password = world.password(agent.name)
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(password)
      expect(
        remote([
          'exec',
          `${agent.name}-egress`,
          'sh',
          '-c',
          'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "',
        ]),
      ).not.toContain(password)
      // Once caiged is gone, nothing listens there any more (a new connection is refused).
      expect(await acceptsConnection(Number(new URL(url).port))).toBe(false)
    }, 180_000)

    it('containers port names the machine; --forward holds the ports here until Ctrl+C', async () => {
      const plain = await caiged(['containers', 'port', agent.name], { env })
      expect(plain.exitCode, plain.stderr).toBe(0)
      expect(plain.stdout).toContain('ON FAR')
      expect(plain.stderr).toContain("These are far's 127.0.0.1: --forward brings them to this machine's.")
      await withForwardedPorts(env, async (server) =>
        expect(await healthStatuses(server)).toEqual([200, 401]),
      )
    }, 60_000)

    it('over tcp with TLS instead of ssh: the server reached here through docker’s own connection, the TUI attached', async () => {
      const tcpEnv = overTcp()
      await withForwardedPorts(tcpEnv, async (server) =>
        expect(await healthStatuses(server)).toEqual([200, 401]),
      )
      await withTui(tcpEnv)
    }, 120_000)

    it('web relays it here too; a scripted-model turn writes a file there; diff shows it, the project has nothing yet', async () => {
      let relay: ChildProcess | undefined
      try {
        relay = spawn(process.execPath, [caigedBin, 'web', agent.name, '--no-open', '--json'], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: relay?.stdout as NodeJS.ReadableStream }).once('line', resolve)
          relay?.once('exit', (code) => reject(new Error(`caiged web exited ${code}`)))
        })
        const { url } = JSON.parse(line) as { url: string }
        const origin = new URL(url).origin
        const cookie = await admitted(url)
        const api = async (p: string, body: unknown) =>
          (
            await fetch(`${origin}${p}?directory=%2Fworkspace`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', cookie },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(120_000),
            })
          ).json() as Promise<{ id?: string }>
        const session = await api('/session', { title: 'far' })
        expect(session.id).toMatch(/^ses_/)
        await api(`/session/${session.id}/message`, {
          parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
        })
      } finally {
        if (relay?.pid) process.kill(relay.pid)
      }
      expect(inAgent(agent.name, 'cat from-agent.txt')).toBe('written by the agent through a tool call')
      expect(fs.existsSync(path.join(project, 'from-agent.txt'))).toBe(false)
      inAgent(
        agent.name,
        "sed -i 's/two/TWO/' README.md && git add README.md && git -c user.name=A -c user.email=a@x commit -qm 'By the agent'",
      )
      const json = JSON.parse((await caiged(['diff', agent.name, '--json'], { env })).stdout)
      expect(json.files.map((f: { path: string }) => f.path).sort()).toEqual(['README.md', 'from-agent.txt'])
    }, 240_000)

    it('apply --branch makes the agent’s commit a branch here; a conflicting local edit makes apply refuse and change nothing; then apply brings it', async () => {
      const branch = await caiged(['apply', agent.name, '--branch', 'caiged/far'], { env })
      expect(branch.exitCode, branch.stderr).toBe(0)
      expect(git(project, 'log', '--format=%s', 'caiged/far')).toBe('By the agent\nFirst\n')
      fs.writeFileSync(path.join(project, 'README.md'), 'one\ntwo, said the user\nthree\n')
      const refused = await caiged(['apply', agent.name], { env })
      expect(refused.exitCode).not.toBe(0)
      expect(refused.stderr).toContain('Not applied: README.md changed since')
      expect(fs.existsSync(path.join(project, 'from-agent.txt'))).toBe(false)
      git(project, 'checkout', '--', 'README.md')
      const applied = await caiged(['apply', agent.name], { env })
      expect(applied.exitCode, applied.stderr).toBe(0)
      expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('one\nTWO\nthree\n')
      expect(fs.readFileSync(path.join(project, 'from-agent.txt'), 'utf8')).toBe(
        'written by the agent through a tool call\n',
      )
    }, 120_000)

    it('a folder that is not a repository goes whole, and comes back by apply; list says which engine', async () => {
      const plain = world.project('plain')
      fs.writeFileSync(path.join(plain, 'a.txt'), 'a\n')
      if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', plain])
      const other = await run(plain, '--egress', 'open')
      // Its history starts at what it was given (the copy's own git, which tells diff its changes).
      expect(inAgent(other.name, 'ls -A').split('\n')).toContain('a.txt')
      inAgent(other.name, 'echo b > b.txt && echo A > a.txt')
      const applied = await caiged(['apply', other.name], { env })
      expect(applied.exitCode, applied.stderr).toBe(0)
      expect(fs.readFileSync(path.join(plain, 'b.txt'), 'utf8')).toBe('b\n')
      const listed = JSON.parse((await caiged(['containers', 'list', '--json'], { env })).stdout) as {
        name: string
        engine?: string
      }[]
      expect(listed.find((c) => c.name === other.name)?.engine).toBe('far')
    }, 240_000)

    it('idle stop works there: an unused agent stops itself; run starts it again and upgrade recreates it, its copy kept', async () => {
      const sleepy = world.project('sleepy')
      fs.writeFileSync(path.join(sleepy, 'kept.txt'), 'given\n')
      if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', sleepy])
      const made = await run(sleepy, '--egress', 'open', '--idle-stop', '3s')
      inAgent(made.name, 'echo "the agent\'s" >> kept.txt')
      const state = () => remote(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', made.name])
      for (let i = 0; i < 120 && !state().startsWith('exited'); i++)
        await new Promise((r) => setTimeout(r, 500))
      expect(state()).toBe('exited 129')
      const again = await run(sleepy, '--egress', 'open', '--idle-stop', '3s')
      expect(again.action).toBe('started')
      // A client through the tcp relay (nc into the agent, from its own address) counts as one: an
      // open event stream keeps it up past three idle stops, and it stops once the stream closes.
      await withForwardedPorts(
        overTcp(),
        async (server) => {
          const stream = new AbortController()
          const events = await fetch(`http://127.0.0.1:${server}/global/event`, {
            headers: { authorization: basicAuth(world.password(made.name)) },
            signal: stream.signal,
          })
          expect(events.status).toBe(200)
          const reading = (async () => {
            for await (const _ of events.body as unknown as AsyncIterable<Uint8Array>);
          })().catch(() => undefined)
          await new Promise((r) => setTimeout(r, 10_000))
          expect(state()).toMatch(/^running/)
          stream.abort()
          await reading
        },
        made.name,
      )
      for (let i = 0; i < 120 && !state().startsWith('exited'); i++)
        await new Promise((r) => setTimeout(r, 500))
      expect(state()).toBe('exited 129')
      expect((await run(sleepy, '--egress', 'open', '--idle-stop', '3s')).action).toBe('started')
      const upgraded = await caiged(['upgrade', made.name], { env })
      expect(upgraded.exitCode, upgraded.stderr).toBe(0)
      expect(remote(['inspect', '-f', '{{.Id}}', made.name])).not.toBe('')
      const copy = remote([
        'run',
        '--rm',
        '--mount',
        `type=volume,src=${made.name}-workspace,dst=/w`,
        testBaseImage,
        'cat',
        '/w/kept.txt',
      ])
      expect(copy).toBe("given\nthe agent's")
    }, 240_000)

    it('a run that fails there leaves nothing on either machine', async () => {
      const before = { there: ours('network ls', 'there'), volumes: ours('volume ls', 'there') }
      const failing = world.project('failing')
      fs.writeFileSync(path.join(failing, 'x.txt'), 'x\n')
      // The engine refuses the container itself (a memory limit under its minimum), after caiged made
      // its networks, volumes and gateway's network.
      const config = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'config.json')
      const saved = fs.readFileSync(config, 'utf8')
      fs.writeFileSync(
        config,
        JSON.stringify({ egress: { network: `${world.prefix}-fresh` }, resources: { memory: '5m' } }),
      )
      try {
        const failed = await caiged(['run', failing, '--spin', 'lite', '--no-connect'], { env })
        expect(failed.exitCode).not.toBe(0)
        expect(failed.stderr).toMatch(/docker create failed|Minimum memory/i)
      } finally {
        fs.writeFileSync(config, saved)
      }
      expect(ours('ps -a', 'there').filter((n) => n.includes('failing'))).toEqual([])
      expect(ours('volume ls', 'there')).toEqual(before.volumes)
      expect(ours('network ls', 'there')).toEqual(before.there)
      expect(ours('ps -a', 'here')).toEqual([])
      expect(ours('volume ls', 'here')).toEqual([])
      expect(ours('network ls', 'here')).toEqual([])
      // No forward left listening here, no caiged process left behind.
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toMatch(
        /-L 127\.0\.0\.1:\d+:127\.0\.0\.1/,
      )
    }, 300_000)
  },
)

/** The web relay's session cookie, for the single-use link it printed (as a browser is admitted). */
async function admitted(link: string): Promise<string> {
  const answer = await fetch(link, { redirect: 'manual' })
  expect(answer.status).toBe(303)
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] as string
}
