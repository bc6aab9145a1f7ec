import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caigedBin, repoRoot } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld, copySharedCache } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

/**
 * Files the agent makes in the project belong to the host user. CI runs as root, so the proof runs
 * caiged as a real non-root user (with access to the engine's socket), as a person would.
 */
describeEngine('files made by the agent belong to the host user', () => {
  const asRoot = process.getuid?.() === 0
  const user = 'caiged-e2e-user'
  const group = 'caiged-e2e-docker'
  let world: ReturnType<typeof e2eWorld>
  let socketBefore: { gid: number; mode: number } | undefined
  let uid = process.getuid?.() ?? 0
  let project: string

  beforeAll(() => {
    world = e2eWorld('own')
    project = path.join(world.root, 'projects', 'owned')
    fs.mkdirSync(project, { recursive: true })
    if (!asRoot) return
    execFileSync('groupadd', ['-f', group])
    try {
      execFileSync('id', [user], { stdio: 'ignore' })
    } catch {
      execFileSync('useradd', ['-m', '-G', group, user])
    }
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
    const socket = fs.statSync('/var/run/docker.sock')
    socketBefore = { gid: socket.gid, mode: socket.mode & 0o777 }
    execFileSync('chgrp', [group, '/var/run/docker.sock'])
    fs.chmodSync('/var/run/docker.sock', 0o660)
    // The user's own copies of what a user would have: caiged's cache (no download) and a project.
    const cache = path.join(world.root, 'user-cache')
    copySharedCache(cache)
    for (const dir of [world.root, cache, project, path.join(world.root, 'home')]) {
      execFileSync('chown', ['-R', `${uid}:${gid}`, dir])
    }
    world.env.XDG_CACHE_HOME = cache
  }, 120_000)

  afterAll(() => {
    if (socketBefore) {
      fs.chownSync('/var/run/docker.sock', 0, socketBefore.gid)
      fs.chmodSync('/var/run/docker.sock', socketBefore.mode)
    }
    world?.cleanup()
    if (asRoot) {
      execFileSync('userdel', ['-r', user], { stdio: 'ignore' })
      execFileSync('groupdel', [group], { stdio: 'ignore' })
    }
  })

  it('runs as the host user’s uid: a file written in /workspace is theirs, one written elsewhere never reaches the host', () => {
    const env = Object.entries({ ...world.env, NO_COLOR: '1' }).map(([k, v]) => `${k}=${v}`)
    const command = [process.execPath, caigedBin, 'run', project, '--spin', 'dev', '--no-connect', '--json']
    const out = asRoot
      ? execFileSync('runuser', ['-u', user, '--', 'env', ...env, ...command], {
          encoding: 'utf8',
          cwd: repoRoot,
        })
      : execFileSync(command[0] as string, command.slice(1), {
          encoding: 'utf8',
          env: { ...process.env, ...world.env },
        })
    const { name } = JSON.parse(out) as { name: string }
    expect(docker(['exec', name, 'id', '-u'])).toBe(String(uid))
    docker([
      'exec',
      name,
      'sh',
      '-c',
      'echo made-inside > /workspace/from-agent.txt; echo outside > /home/agent/outside.txt',
    ])
    const made = fs.statSync(path.join(project, 'from-agent.txt'))
    expect(made.uid).toBe(uid)
    expect(fs.readFileSync(path.join(project, 'from-agent.txt'), 'utf8')).toBe('made-inside\n')
    expect(fs.readdirSync(project)).toEqual(['from-agent.txt'])
    // The only host path mounted writable is the project (plus the sessions volume, which is docker's).
    const mounts = JSON.parse(docker(['inspect', '--format', '{{json .Mounts}}', name])) as {
      Type: string
      RW: boolean
      Source: string
    }[]
    expect(mounts.filter((m) => m.Type === 'bind' && m.RW).map((m) => m.Source)).toEqual([project])
  }, 600_000)
})
