import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged, caigedBin } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { startTestHost, type Reached } from '../support/test-host.js'
import { describeEngine, testBaseImage } from '../support/engine.js'

/**
 * The egress policy against the real engine, offline: "the internet" is a test host on the test's
 * own outward network (config egress.network), under names only its network alias knows.
 */
describeEngine(
  'egress: a gateway outside the agent allows only what its policy lists, and fails closed',
  () => {
    let world: ReturnType<typeof e2eWorld>
    let project = ''
    let name = ''
    let outward = ''
    let host = ''
    let gitHost = ''
    let keyFile = ''
    let runArgs: string[] = []

    /** A fetch by the Bun runtime inside OpenCode's binary: the client the agent itself uses. */
    const fetchFrom = (url: string) =>
      docker([
        'exec',
        '-e',
        'BUN_BE_BUN=1',
        name,
        'opencode',
        '-e',
        `const r = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(5000) }).catch((e) => ({ status: 'error ' + (e.code ?? e.name) }));` +
          `console.log(r.status, r.text ? (await r.text()).split('\\n')[0] : '')`,
      ])
    /** An HTTP CONNECT tunnel to the gateway by hand, then a request through it. */
    const connectThrough = (target: string) =>
      docker([
        'exec',
        name,
        'bash',
        '-c',
        [
          'gw=${HTTPS_PROXY#http://}; gw=${gw%/}',
          'exec 3<>"/dev/tcp/${gw%:*}/${gw##*:}" || exit 9',
          `printf 'CONNECT ${target} HTTP/1.1\\r\\nHost: ${target}\\r\\n\\r\\n' >&3`,
          'read -r status <&3; echo "${status%$\'\\r\'}"',
          'case "$status" in *" 200 "*) ;; *) exit 0 ;; esac',
          'while read -r line <&3 && [ -n "${line%$\'\\r\'}" ]; do :; done',
          `printf 'GET / HTTP/1.0\\r\\nHost: ${target}\\r\\n\\r\\n' >&3`,
          'timeout 5 cat <&3 | tail -1',
        ].join('\n'),
      ])
    /** Whether something opens from inside the agent, with no proxy: bash's /dev/tcp or /dev/udp. */
    const opens = (device: string) =>
      docker([
        'exec',
        name,
        'bash',
        '-c',
        `timeout 3 bash -c 'echo x >${device}' 2>/dev/null && echo open || echo closed`,
      ])
    const hostIp = () =>
      docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${outward}").IPAddress}}`, host])
    let reached: () => Reached[] = () => []
    const runCaiged = async (extra: string[] = []) => {
      const result = await caiged([...runArgs, ...extra], { env: world.env })
      expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0)
      return result
    }

    beforeAll(async () => {
      world = e2eWorld('egr')
      outward = `${world.prefix}-out`
      host = `${world.prefix}-host`
      gitHost = `${world.prefix}-git`
      project = world.project('web')
      const configDir = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged')
      fs.mkdirSync(configDir, { recursive: true })
      fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ egress: { network: outward } }))
      docker(['network', 'create', outward])
      ;({ reached } = startTestHost({
        name: host,
        network: outward,
        aliases: ['allowed.test', 'denied.test', 'other.test'],
        root: world.root,
        ports: [80, 443, 8080],
      }))
      // A git server over ssh (Debian's openssh-server), reachable as githost.test and nogit.test.
      keyFile = path.join(world.root, 'agent-key')
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile])
      if (process.getuid?.() === 0) fs.chownSync(keyFile, 1000, 1000)
      execFileSync('docker', ['build', '-q', '-t', `${world.prefix}-githost:test`, '-'], {
        input: [
          `FROM ${testBaseImage}`,
          'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null \\',
          ' && mkdir -p /run/sshd && useradd -m -s /bin/bash git && git init -q --bare /srv/repo.git \\',
          ' && git -C /srv/repo.git symbolic-ref HEAD refs/heads/main && chown -R git /srv/repo.git',
        ].join('\n'),
        stdio: ['pipe', 'ignore', 'inherit'],
      })
      docker([
        'run',
        '-d',
        '--name',
        gitHost,
        '--network',
        outward,
        '--network-alias',
        'githost.test',
        '--network-alias',
        'nogit.test',
        '-e',
        `KEY=${fs.readFileSync(`${keyFile}.pub`, 'utf8').trim()}`,
        `${world.prefix}-githost:test`,
        'bash',
        '-c',
        'mkdir -p ~git/.ssh && echo "$KEY" > ~git/.ssh/authorized_keys && chown -R git ~git/.ssh && chmod 700 ~git/.ssh && exec /usr/sbin/sshd -D -e',
      ])
      runArgs = [
        'run',
        project,
        '--spin',
        'dev',
        '--no-connect',
        '--json',
        '--allow-host',
        'allowed.test,allowed.test:8080',
        '--allow-host',
        'githost.test:22',
        '--ssh-key',
        keyFile,
      ]
      const result = await runCaiged()
      ;({ name } = JSON.parse(result.stdout) as { name: string })
    }, 600_000)

    afterAll(() => {
      if (!world) return
      execFileSync('docker', ['rm', '-f', host, gitHost], { stdio: 'ignore' })
      world.cleanup()
    })

    it('the agent sits on an internal network with its gateway; its port is published by the gateway', () => {
      const networks = JSON.parse(
        docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', name]),
      ) as Record<string, unknown>
      expect(Object.keys(networks)).toEqual([`${name}-net`])
      expect(docker(['network', 'inspect', '--format', '{{.Internal}}', `${name}-net`])).toBe('true')
      expect(docker(['port', `${name}-egress`])).toMatch(/^4096\/tcp -> 127\.0\.0\.1:\d+$/)
      expect(docker(['port', name])).toBe('')
      // Nothing added to the agent: no capability, and the gateway runs with none either.
      for (const c of [name, `${name}-egress`]) {
        expect(
          docker(['inspect', '--format', '{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}', c]),
        ).toBe('null ["ALL"]')
      }
      const env = docker(['exec', name, 'env'])
      expect(env).toContain(`HTTPS_PROXY=http://${name}-egress:3128`)
      expect(env).toContain(`https_proxy=http://${name}-egress:3128`)
      expect(env).toContain('NO_PROXY=localhost,127.0.0.1,::1')
    })

    it('answers an allowed host through the proxy, over plain HTTP and through a CONNECT tunnel', () => {
      expect(fetchFrom('http://allowed.test/')).toBe('200 hello from allowed.test')
      expect(fetchFrom('http://allowed.test:8080/')).toBe('200 hello from allowed.test:8080')
      const tunnel = connectThrough('allowed.test:443')
      expect(tunnel.split('\n')[0]).toMatch(/^HTTP\/1\.1 200/)
      expect(tunnel).toContain('hello from allowed.test:443')
    }, 60_000)

    it('refuses a host the policy does not list, which never sees a request, and logs it as denied', async () => {
      expect(fetchFrom('http://denied.test/')).toMatch(/^403 /)
      expect(connectThrough('denied.test:443')).toMatch(/^HTTP\/1\.1 403/)
      // A listed host on a port its rule does not name is refused too.
      expect(fetchFrom('http://allowed.test:8443/')).toMatch(/^403 /)
      expect(reached().filter((r) => r.host?.startsWith('denied.test'))).toEqual([])
      const log = await caiged(['egress', 'log', name, '--json'], { env: world.env })
      expect(log.exitCode, log.stderr).toBe(0)
      const rows = JSON.parse(log.stdout) as { destination: string; decision: string; count: number }[]
      expect(rows).toContainEqual(
        expect.objectContaining({
          destination: 'denied.test:80',
          decision: 'denied',
          fix: `caiged egress allow ${name} denied.test`,
        }),
      )
      expect(rows).toContainEqual(
        expect.objectContaining({ destination: 'denied.test:443', decision: 'denied' }),
      )
      expect(rows).toContainEqual(
        expect.objectContaining({ destination: 'allowed.test:80', decision: 'allowed' }),
      )
      const table = await caiged(['egress', 'log', name], { env: world.env })
      expect(table.stdout).toMatch(/denied\.test:80\s+denied\s+\d+\s+20\d\d-/)
    }, 60_000)

    it('follows the log with -f: each request as the gateway decides it', async () => {
      const child = spawn(process.execPath, [caigedBin, 'egress', 'log', name, '-f', '--json'], {
        env: { ...process.env, ...world.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      try {
        const lines: string[] = []
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => lines.push(l))
        // Asked again until a line comes: the follow may start after the first request.
        for (let i = 0; i < 50 && !lines.some((l) => l.includes('other.test:80')); i++) {
          fetchFrom('http://other.test/')
          await new Promise((r) => setTimeout(r, 200))
        }
        const event = JSON.parse(lines.find((l) => l.includes('other.test:80')) as string) as Record<
          string,
          string
        >
        expect(event).toMatchObject({ destination: 'other.test:80', decision: 'denied', method: 'GET' })
        expect(event.time).toMatch(/^20\d\d-/)
      } finally {
        if (child.pid) process.kill(child.pid, 'SIGTERM')
      }
    }, 60_000)

    it('has no way around the proxy: raw TCP and UDP to the host’s IP, and outside DNS, all fail', () => {
      const ip = hostIp()
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
      // The same probes work from a container on the outward network: they can succeed.
      const probe = (device: string) =>
        docker([
          'run',
          '--rm',
          '--network',
          outward,
          testBaseImage,
          'bash',
          '-c',
          `timeout 3 bash -c 'echo x >${device}' 2>/dev/null && echo open || echo closed`,
        ])
      expect(probe(`/dev/tcp/${ip}/80`)).toBe('open')
      expect(probe(`/dev/udp/${ip}/53`)).toBe('open')
      expect(opens(`/dev/tcp/${ip}/80`)).toBe('closed')
      expect(opens(`/dev/udp/${ip}/53`)).toBe('closed')
      expect(opens('/dev/tcp/allowed.test/80')).toBe('closed')
      expect(
        docker(['exec', name, 'bash', '-c', 'getent hosts allowed.test example.com; echo "rc=$?"']),
      ).toBe('rc=2')
      // An IP through the proxy: refused (raw IPs only when a rule lists them).
      expect(fetchFrom(`http://${ip}/`)).toMatch(/^403 /)
    }, 60_000)

    it('lets git over ssh through to an allowed host:22, and refuses it clearly elsewhere', () => {
      const remote = (h: string) =>
        docker(['exec', name, 'bash', '-c', `git ls-remote ssh://git@${h}/srv/repo.git 2>&1; echo "rc=$?"`])
      expect(remote('githost.test')).toMatch(/rc=0$/)
      const refused = remote('nogit.test')
      expect(refused).toMatch(/403/)
      expect(refused).toMatch(/rc=128$/)
    }, 60_000)

    it('applies egress allow and deny at once, without restarting the agent, and keeps them across a recreate', async () => {
      const started = docker(['inspect', '--format', '{{.State.StartedAt}}', name])
      const allowed = await caiged(['egress', 'allow', name, 'denied.test'], { env: world.env })
      expect(allowed.exitCode, allowed.stderr).toBe(0)
      expect(allowed.stdout).toContain('its gateway enforces it now')
      expect(fetchFrom('http://denied.test/')).toBe('200 hello from denied.test')
      expect(docker(['inspect', '--format', '{{.State.StartedAt}}', name])).toBe(started)

      // Made anew (sessions kept): the addition is kept on the host, not in the old gateway.
      expect((await caiged(['containers', 'stop', '--remove', name], { env: world.env })).exitCode).toBe(0)
      const recreated = await runCaiged()
      expect((JSON.parse(recreated.stdout) as { action: string }).action).toBe('created')
      expect(fetchFrom('http://denied.test/')).toBe('200 hello from denied.test')
      const rules = await caiged(['egress', 'rules', name, '--json'], { env: world.env })
      expect(JSON.parse(rules.stdout).rules).toContainEqual({
        rule: 'denied.test',
        effect: 'allow',
        source: 'egress allow/deny',
      })

      const denied = await caiged(['egress', 'deny', name, 'denied.test'], { env: world.env })
      expect(denied.exitCode, denied.stderr).toBe(0)
      expect(fetchFrom('http://denied.test/')).toMatch(/^403 /)
    }, 180_000)

    it('fails closed with the gateway killed, says so in the list, and the next run restores it', async () => {
      const list = async () =>
        (
          JSON.parse((await caiged(['containers', 'list', '--json'], { env: world.env })).stdout) as {
            name: string
            egress: string
            gateway: string
          }[]
        ).find((r) => r.name === name)
      expect(await list()).toMatchObject({ egress: 'balanced', gateway: 'running' })
      docker(['kill', `${name}-egress`])
      expect(await list()).toMatchObject({ egress: 'balanced', gateway: 'stopped' })
      const table = await caiged(['containers', 'list'], { env: world.env })
      expect(table.stdout).toContain('balanced (gateway down: no egress; caiged run restores it)')
      expect(fetchFrom('http://allowed.test/')).toMatch(/^error /)
      expect(opens(`/dev/tcp/${hostIp()}/80`)).toBe('closed')

      const again = await runCaiged()
      expect(again.stderr).toContain('was stopped, so the agent had no way out; started it again')
      expect(fetchFrom('http://allowed.test/')).toBe('200 hello from allowed.test')
      expect(await list()).toMatchObject({ gateway: 'running' })
    }, 120_000)

    it('removes the gateway and the network with the agent', async () => {
      const removed = await caiged(['containers', 'rm', '--force', name], { env: world.env })
      expect(removed.exitCode, removed.stderr).toBe(0)
      expect(docker(['ps', '-a', '-q', '--filter', `name=^${name}-egress$`])).toBe('')
      expect(docker(['network', 'ls', '-q', '--filter', `name=^${name}-net$`])).toBe('')
      // The outward network is the user's (config egress.network): it stays.
      expect(docker(['network', 'ls', '-q', '--filter', `name=^${outward}$`])).not.toBe('')
    }, 60_000)
  },
)
