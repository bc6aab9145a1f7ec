import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ContainerSettings } from '../../src/containers/request.js'
import { DockerEngine, relayCommand } from '../../src/docker/engine.js'
import { dockerEndpoint, engineLabel, isLocalSocket, sshTarget } from '../../src/docker/endpoint.js'
import { shimScript, sshMuxPath } from '../../src/docker/ssh-mux.js'
import { findOnPath } from '../../src/process/executables.js'
import type { SystemClient } from '../../src/docker/system-client.js'
import { settingsForEngine } from '../../src/flows/run/engine-step.js'
import { paths } from '../../src/paths.js'
import { FakeDocker, localEngine } from '../support/fakes.js'
import { rejected } from '../support/thrown.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-engine-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A docker config folder with contexts, as `docker context create` and `docker context use` write it. */
function dockerConfig(contexts: Record<string, string>, current?: string): string {
  const dir = tempDir()
  for (const [name, host] of Object.entries(contexts)) {
    const meta = path.join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'))
    fs.mkdirSync(meta, { recursive: true })
    fs.writeFileSync(
      path.join(meta, 'meta.json'),
      JSON.stringify({
        Name: name,
        Metadata: {},
        Endpoints: { docker: { Host: host, SkipTLSVerify: false } },
      }),
    )
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(current ? { currentContext: current } : {}))
  return dir
}

describe('dockerEndpoint: the engine docker picks, in docker’s order', () => {
  const config = () =>
    dockerConfig({ far: 'ssh://me@build.example:2222', near: 'unix:///run/other.sock' }, 'near')

  it('DOCKER_HOST first, over any context', () => {
    expect(
      dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.2:2376', DOCKER_CONTEXT: 'far', DOCKER_CONFIG: config() }),
    ).toEqual({
      host: 'tcp://10.0.0.2:2376',
    })
  })

  it('then DOCKER_CONTEXT, then the config’s current context, read from its metadata', () => {
    const DOCKER_CONFIG = config()
    expect(dockerEndpoint({ DOCKER_CONTEXT: 'far', DOCKER_CONFIG })).toEqual({
      host: 'ssh://me@build.example:2222',
      context: 'far',
    })
    expect(dockerEndpoint({ DOCKER_CONFIG })).toEqual({ host: 'unix:///run/other.sock', context: 'near' })
  })

  it('the default socket for "default", no config, or a context without metadata', () => {
    const DOCKER_CONFIG = config()
    expect(dockerEndpoint({ DOCKER_CONTEXT: 'default', DOCKER_CONFIG }).host).toBe(
      'unix:///var/run/docker.sock',
    )
    expect(dockerEndpoint({ HOME: tempDir() }).host).toBe('unix:///var/run/docker.sock')
    expect(dockerEndpoint({ DOCKER_CONTEXT: 'gone', DOCKER_CONFIG }).host).toBe('unix:///var/run/docker.sock')
  })

  it('names engines as users do, and tells sockets from network transports', () => {
    expect(engineLabel({ host: 'unix:///var/run/docker.sock' })).toBe('default')
    expect(engineLabel({ host: 'ssh://me@far', context: 'far' })).toBe('far')
    expect(engineLabel({ host: 'ssh://me@far' })).toBe('ssh://me@far')
    expect(
      ['unix:///x.sock', 'npipe:////./pipe/docker', 'ssh://h', 'tcp://h:2376'].map(isLocalSocket),
    ).toEqual([true, true, false, false])
  })

  it('an ssh endpoint as ssh takes it; anything else is not one', () => {
    expect(sshTarget('ssh://me@build.example:2222')).toEqual({
      destination: 'me@build.example',
      port: '2222',
    })
    expect(sshTarget('ssh://caiged-ci-remote')).toEqual({ destination: 'caiged-ci-remote' })
    expect(sshTarget('tcp://h:2376')).toBeUndefined()
    expect(sshTarget('ssh://')).toBeUndefined()
  })
})

describe('sshMuxPath: docker’s ssh shares one connection', () => {
  function fakeSsh(): string {
    const bin = tempDir()
    fs.writeFileSync(path.join(bin, 'ssh'), '#!/bin/sh\n', { mode: 0o755 })
    return bin
  }

  it('puts a shim first on PATH that runs the real ssh with a control master in a private folder', () => {
    const bin = fakeSsh()
    const cache = tempDir()
    const env = { PATH: `${bin}:/usr/bin` }
    const muxPath = sshMuxPath(env, path.join(cache, 'ssh')) as string
    const shimDir = path.join(cache, 'ssh', 'bin')
    expect(muxPath).toBe(`${shimDir}:${bin}:/usr/bin`)
    expect(fs.readFileSync(path.join(shimDir, 'ssh'), 'utf8')).toBe(
      shimScript(path.join(bin, 'ssh'), path.join(cache, 'ssh')),
    )
    expect(fs.statSync(path.join(cache, 'ssh')).mode & 0o777).toBe(0o700)
    // Once first, as it is (a second call, or a caiged started by caiged).
    expect(sshMuxPath({ PATH: muxPath }, path.join(cache, 'ssh'))).toBe(muxPath)
    // The shim never finds itself as the real ssh.
    expect(findOnPath('ssh', muxPath, shimDir)).toBe(path.join(bin, 'ssh'))
  })

  it('quotes the paths it runs, and keeps the user’s own ssh options after its own', () => {
    const script = shimScript("/opt/it's/ssh", '/home/u/.cache/caiged/ssh')
    expect(script).toContain(
      `exec '/opt/it'\\''s/ssh' -o ControlMaster=auto -o 'ControlPath=/home/u/.cache/caiged/ssh/%C'`,
    )
    expect(script.trim().endsWith('"$@"')).toBe(true)
  })

  it('keeps its sockets in the runtime folder when there is one, else in the cache', () => {
    expect(paths({ HOME: '/h', XDG_RUNTIME_DIR: '/run/user/1000' }).sshMuxDir).toBe(
      '/run/user/1000/caiged/ssh',
    )
    expect(paths({ HOME: '/h', XDG_RUNTIME_DIR: 'relative' }).sshMuxDir).toBe('/h/.cache/caiged/ssh')
    expect(paths({ HOME: '/h', XDG_CACHE_HOME: '/c' }).sshMuxDir).toBe('/c/caiged/ssh')
  })

  it('none without a real ssh, or where a socket path would be too long', () => {
    expect(sshMuxPath({ PATH: tempDir() }, path.join(tempDir(), 'ssh'))).toBeUndefined()
    expect(sshMuxPath({ PATH: fakeSsh() }, path.join(tempDir(), 'x'.repeat(80), 'ssh'))).toBeUndefined()
  })
})

describe('DockerEngine.onThisMachine', () => {
  function engine(host: string, name: string, cacheDir = tempDir()) {
    let asked = 0
    const system = {
      info: async () => {
        asked++
        return { ID: 'engine-id', Name: name, ServerVersion: '28.5.2' }
      },
    } as unknown as SystemClient
    const made = new DockerEngine({ host }, { system, cli: new FakeDocker(), cacheDir, env: {} })
    return { made, asked: () => asked, cacheDir }
  }

  it('a socket is this machine’s, without asking the engine', async () => {
    const e = engine('unix:///var/run/docker.sock', 'elsewhere')
    expect(await e.made.onThisMachine()).toBe(true)
    expect(await e.made.reach(4100)).toBe(4100)
    expect(e.asked()).toBe(0)
  })

  it('an ssh engine whose name is another machine’s is elsewhere; kept per endpoint, asked once', async () => {
    const e = engine('ssh://me@far', 'far-builder')
    expect(await e.made.onThisMachine()).toBe(false)
    const again = engine('ssh://me@far', 'far-builder', e.cacheDir)
    expect(await again.made.onThisMachine()).toBe(false)
    expect(again.asked()).toBe(0)
  })

  it('ssh to this very machine (its hostname) is this machine: binds and ports as they are', async () => {
    const e = engine('ssh://me@localhost', os.hostname())
    expect(await e.made.onThisMachine()).toBe(true)
    expect(await e.made.reach(4100)).toBe(4100)
  })

  it('a tcp engine elsewhere: relayed through docker exec, into the gateway when it runs, else the agent', () => {
    const inside = { gateway: 'caiged-dev-p-egress', agent: 'caiged-dev-p', port: 4096 }
    expect(relayCommand(inside, true)).toEqual([
      'exec',
      '-i',
      'caiged-dev-p-egress',
      'socat',
      '-',
      'TCP:127.0.0.1:4096',
    ])
    // The agent's own address, not loopback: its idle watcher counts the connection as a client.
    expect(relayCommand({ ...inside, port: 5173 }, false)).toEqual([
      'exec',
      '-i',
      'caiged-dev-p',
      'sh',
      '-c',
      `exec nc -N "$(hostname -i | cut -d' ' -f1)" 5173`,
    ])
  })
})

describe('settingsForEngine: what an engine elsewhere changes', () => {
  const settings = {
    workdir: '/home/u/p',
    workspace: 'bind',
    dockerSocket: undefined,
    ssh: {},
  } as unknown as ContainerSettings
  const elsewhere = { ...localEngine, label: 'far', onThisMachine: async () => false }
  const plan = { config: {} }

  it('nothing on this machine', async () => {
    expect(
      await settingsForEngine(settings, {}, plan, { engine: localEngine, hostIds: { uid: 0, gid: 0 } }),
    ).toBe(settings)
  })

  it('elsewhere: a copy of the project, and the files copied in owned by the agent (uid 1000 for root)', async () => {
    const made = await settingsForEngine(settings, {}, plan, {
      engine: elsewhere,
      hostIds: { uid: 0, gid: 0 },
    })
    expect(made).toMatchObject({ workspace: 'copy', hostFilesCopied: { uid: 1000, gid: 1000 } })
    const mine = await settingsForEngine(settings, {}, plan, {
      engine: elsewhere,
      hostIds: { uid: 1001, gid: 1002 },
    })
    expect(mine.hostFilesCopied).toEqual({ uid: 1001, gid: 1002 })
  })

  it('refuses, before anything is made, what only exists here or a bind asked for', async () => {
    const d = { engine: elsewhere, hostIds: { uid: 1000, gid: 1000 } }
    const bind = await rejected(() => settingsForEngine(settings, { workspace: 'bind' }, plan, d))
    expect(bind.message).toBe(
      "--workspace bind needs the engine on this machine; far runs elsewhere and can't see /home/u/p.",
    )
    const fromConfig = await rejected(() =>
      settingsForEngine(settings, {}, { config: { workspace: 'bind' } }, d),
    )
    expect(fromConfig.message).toContain('--workspace bind needs the engine on this machine')
    const socket = await rejected(() =>
      settingsForEngine(
        { ...settings, dockerSocket: { path: '/var/run/docker.sock', gid: 999 } },
        {},
        plan,
        d,
      ),
    )
    expect(socket.message).toContain("The docker socket can't be given to an agent on far")
    const agent = await rejected(() =>
      settingsForEngine({ ...settings, ssh: { agentSocket: '/tmp/agent.sock' } }, {}, plan, d),
    )
    expect(agent.hint).toContain('--ssh-key PATH')
  })
})
