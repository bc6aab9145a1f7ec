import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CaigedError, ExitCode } from '../../src/errors.js'
import {
  checkEnvFile,
  checkWorkdir,
  dockerSocket,
  hostAuthFile,
  hostGhDir,
  secretEnv,
} from '../../src/host/environment.js'
import { thrown } from '../support/thrown.js'

async function rejected(promise: Promise<unknown>): Promise<CaigedError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof CaigedError) return error
    throw error
  }
  throw new Error('expected a CaigedError, the promise resolved')
}

let tmp: string
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-env-test-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('secretEnv', () => {
  it('takes repeated and comma-separated names, trimmed and deduplicated, with their values', () => {
    const env = { A: 'a-value', B: 'b-value', C: 'c-value' }
    expect(secretEnv(['A,B', 'C'], env)).toEqual({
      names: ['A', 'B', 'C'],
      values: { A: 'a-value', B: 'b-value', C: 'c-value' },
    })
    expect(secretEnv([' A , B ', 'A', 'C,B', ',', 'B,,'], env)).toEqual({
      names: ['A', 'B', 'C'],
      values: { A: 'a-value', B: 'b-value', C: 'c-value' },
    })
  })

  it('is empty for no names', () => {
    expect(secretEnv([], {})).toEqual({ names: [], values: {} })
    expect(secretEnv(['', ' , '], {})).toEqual({ names: [], values: {} })
  })

  it('accepts lower case and underscores', () => {
    expect(secretEnv(['_x1', 'jfrog_Token'], { _x1: '1', jfrog_Token: '2' }).names).toEqual([
      '_x1',
      'jfrog_Token',
    ])
  })

  it.each(['BAD-NAME', '1X', 'A.B', 'A B', 'A=B', 'Ä'])('refuses the invalid name %j', (name) => {
    const error = thrown(() => secretEnv([name], { [name]: 'v' }))
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.message).toBe(`Invalid secret env name "${name}".`)
    expect(error.hint).toBeTypeOf('string')
  })

  it('gives the exact message for BAD-NAME', () => {
    expect(thrown(() => secretEnv(['BAD-NAME'], {})).message).toBe('Invalid secret env name "BAD-NAME".')
  })

  it('refuses a name that is not set', () => {
    const error = thrown(() => secretEnv(['A', 'X'], { A: '1' }))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('The secret env X is not set in this shell.')
    expect(error.hint).toContain('X')
  })

  it('reads only the env it was given, not process.env', () => {
    vi.stubEnv('CAIGED_TEST_ONLY_IN_PROCESS_ENV', 'x')
    expect(thrown(() => secretEnv(['CAIGED_TEST_ONLY_IN_PROCESS_ENV'], {})).message).toBe(
      'The secret env CAIGED_TEST_ONLY_IN_PROCESS_ENV is not set in this shell.',
    )
  })

  it('allows an empty value', () => {
    expect(secretEnv(['X'], { X: '' })).toEqual({ names: ['X'], values: { X: '' } })
  })

  it.each(['OPENCODE_SERVER_PASSWORD', 'HOME', 'PATH', 'AGENT_SPIN', 'AGENT_DAEMON', 'AGENT_WORKDIR'])(
    'refuses the reserved name %s, even when set',
    (name) => {
      const error = thrown(() => secretEnv([name], { [name]: 'v' }))
      expect(error.exitCode).toBe(ExitCode.Usage)
      expect(error.message).toContain(name)
      expect(error.message).toContain('cannot be passed as a secret')
    },
  )

  it('refuses a reserved name inside a comma-separated list', () => {
    expect(thrown(() => secretEnv(['A,HOME'], { A: '1', HOME: '/h' })).exitCode).toBe(2)
  })
})

describe('checkWorkdir', () => {
  it('returns the absolute path of a folder', async () => {
    expect(await checkWorkdir(tmp)).toBe(tmp)
    expect(await checkWorkdir(`${tmp}/`)).toBe(tmp)
    expect(await checkWorkdir(path.relative(process.cwd(), tmp))).toBe(tmp)
  })

  it('refuses a missing folder with not-found, and never creates it', async () => {
    const missing = path.join(tmp, 'missing', 'deeper')
    const error = await rejected(checkWorkdir(missing))
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.exitCode).toBe(5)
    expect(error.message).toBe(`The project folder ${missing} does not exist.`)
    expect(error.hint).toContain('never creates')
    expect(fs.existsSync(missing)).toBe(false)
    expect(fs.existsSync(path.join(tmp, 'missing'))).toBe(false)
  })

  it('refuses a file with a usage error', async () => {
    const file = path.join(tmp, 'file.txt')
    fs.writeFileSync(file, 'x')
    const error = await rejected(checkWorkdir(file))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`${file} is not a folder.`)
  })
})

describe('checkEnvFile', () => {
  it('is undefined without a file', async () => {
    expect(await checkEnvFile(undefined)).toBeUndefined()
  })

  it('returns the absolute path of a readable file', async () => {
    const file = path.join(tmp, 'secrets.env')
    fs.writeFileSync(file, 'A=1\n')
    expect(await checkEnvFile(file)).toBe(file)
    expect(await checkEnvFile(path.relative(process.cwd(), file))).toBe(file)
  })

  it('refuses a folder', async () => {
    const error = await rejected(checkEnvFile(tmp))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`The secret env file ${tmp} is not a file.`)
  })

  it('refuses a missing file, saying why', async () => {
    const missing = path.join(tmp, 'nope.env')
    const error = await rejected(checkEnvFile(missing))
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain(missing)
    expect(error.message).toContain('ENOENT')
    expect(fs.existsSync(missing)).toBe(false)
  })
})

describe('hostAuthFile', () => {
  it('is under ~/.local/share by default', () => {
    expect(hostAuthFile({ HOME: '/h' })).toBe('/h/.local/share/opencode/auth.json')
  })

  it('honours an absolute XDG_DATA_HOME', () => {
    expect(hostAuthFile({ HOME: '/h', XDG_DATA_HOME: '/d' })).toBe('/d/opencode/auth.json')
  })

  it('ignores a relative or empty XDG_DATA_HOME', () => {
    expect(hostAuthFile({ HOME: '/h', XDG_DATA_HOME: 'rel' })).toBe('/h/.local/share/opencode/auth.json')
    expect(hostAuthFile({ HOME: '/h', XDG_DATA_HOME: '' })).toBe('/h/.local/share/opencode/auth.json')
  })

  it('falls back to the OS home without HOME', () => {
    expect(hostAuthFile({})).toBe(path.join(os.homedir(), '.local/share/opencode/auth.json'))
  })
})

describe('hostGhDir', () => {
  it('honours GH_CONFIG_DIR first', () => {
    expect(hostGhDir({ HOME: '/h', XDG_CONFIG_HOME: '/c', GH_CONFIG_DIR: '/g' })).toBe('/g')
  })

  it('then XDG_CONFIG_HOME/gh', () => {
    expect(hostGhDir({ HOME: '/h', XDG_CONFIG_HOME: '/c' })).toBe('/c/gh')
  })

  it('then ~/.config/gh', () => {
    expect(hostGhDir({ HOME: '/h' })).toBe('/h/.config/gh')
    expect(hostGhDir({})).toBe(path.join(os.homedir(), '.config/gh'))
  })

  it('ignores relative values', () => {
    expect(hostGhDir({ HOME: '/h', GH_CONFIG_DIR: 'g', XDG_CONFIG_HOME: 'c' })).toBe('/h/.config/gh')
  })
})

describe('dockerSocket', () => {
  it.each(['tcp://1.2.3.4:2375', 'ssh://user@host', 'npipe:////./pipe/docker_engine'])(
    'refuses the non-unix DOCKER_HOST %s before touching anything',
    async (host) => {
      const stat = vi.spyOn(fsp, 'stat')
      const error = await rejected(dockerSocket({ DOCKER_HOST: host }))
      expect(error.exitCode).toBe(ExitCode.Usage)
      expect(error.message).toContain(host)
      expect(stat).not.toHaveBeenCalled()
    },
  )

  it('says not found when there is no socket at a unix DOCKER_HOST', async () => {
    // The same spy sees this stat, so the check above is not vacuous.
    const stat = vi.spyOn(fsp, 'stat')
    const error = await rejected(dockerSocket({ DOCKER_HOST: 'unix:///nonexistent.sock' }))
    expect(stat).toHaveBeenCalledWith('/nonexistent.sock')
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toBe('There is no Docker socket at /nonexistent.sock to mount.')
  })

  it('says not found when the path is a plain file', async () => {
    const file = path.join(tmp, 'docker.sock')
    fs.writeFileSync(file, '')
    const error = await rejected(dockerSocket({ DOCKER_HOST: `unix://${file}` }))
    expect(error.exitCode).toBe(5)
  })

  it('returns the path and group of a unix socket', async () => {
    const socketPath = path.join(tmp, 'engine.sock')
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    try {
      expect(await dockerSocket({ DOCKER_HOST: `unix://${socketPath}` })).toEqual({
        path: socketPath,
        gid: fs.statSync(socketPath).gid,
      })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
