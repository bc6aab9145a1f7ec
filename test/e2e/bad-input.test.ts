import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine, testBaseImage } from '../support/engine.js'

describeEngine('bad input: one clear sentence, a non-zero exit, nothing created', () => {
  let world: ReturnType<typeof e2eWorld>
  let project: string
  let folderNotFile: string
  const stranger = `caiged-e2e-stranger-${process.pid}`

  beforeAll(() => {
    world = e2eWorld('bad')
    project = world.project('p')
    folderNotFile = world.project('not-a-file')
    // A container caiged did not make, with a name caiged could have chosen.
    execFileSync('docker', ['run', '-d', '--name', stranger, testBaseImage, 'sleep', '300'], {
      stdio: 'ignore',
    })
  }, 600_000)
  afterAll(() => {
    execFileSync('docker', ['rm', '-f', stranger], { stdio: 'ignore' })
    world?.cleanup()
  })

  const noClientPath = () => (world.env.PATH as string).split(':').slice(1).join(':')
  const cases: [string, () => string[], number, string | RegExp, Record<string, string>?][] = [
    ['run without --spin', () => ['run', project], 2, 'Missing --spin: which role should the agent have?'],
    [
      'run on the whole disk',
      () => ['run', '/', '--spin', 'dev'],
      2,
      "Refusing to mount / into the agent's container read-write: it is the whole disk.",
    ],
    [
      'run on the home folder',
      () => ['run', world.env.HOME as string, '--spin', 'dev'],
      2,
      /Refusing to mount \S+\/home into the agent's container read-write: it is your home folder\./,
    ],
    [
      'run on the folder above home, written with ..',
      () => ['run', `${world.env.HOME as string}/../home/..`, '--spin', 'dev'],
      2,
      /Refusing to mount \S+ into the agent's container read-write: it holds your home folder\./,
    ],
    [
      'run on a credential folder',
      () => {
        fs.mkdirSync(path.join(world.env.HOME as string, '.ssh'), { recursive: true })
        return ['run', path.join(world.env.HOME as string, '.ssh'), '--spin', 'dev']
      },
      2,
      /it holds or is inside \S+\/home\/\.ssh\./,
    ],
    [
      "run on the folder holding caiged's salt",
      () => {
        fs.mkdirSync(path.join(world.env.XDG_CONFIG_HOME as string, 'caiged'), { recursive: true })
        return ['run', world.env.XDG_CONFIG_HOME as string, '--spin', 'dev']
      },
      2,
      /it holds caiged's config and salt/,
    ],
    ['run with an unknown spin', () => ['run', project, '--spin', 'nope'], 5, 'Unknown spin "nope".'],
    [
      'run with a traversal spin name',
      () => ['run', project, '--spin', '../x'],
      2,
      '"../x" is not a valid spin name.',
    ],
    [
      'run with a missing workdir',
      () => ['run', '/nonexistent/caiged-e2e', '--spin', 'dev'],
      5,
      'The project folder /nonexistent/caiged-e2e does not exist.',
    ],
    [
      'run with a bad secret env name',
      () => ['run', project, '--spin', 'dev', '--secret-env', 'BAD-NAME'],
      2,
      'Invalid secret env name "BAD-NAME".',
    ],
    [
      'run with an unset secret env',
      () => ['run', project, '--spin', 'dev', '--secret-env', 'CAIGED_E2E_UNSET'],
      2,
      'The secret env CAIGED_E2E_UNSET is not set in this shell.',
    ],
    [
      'run passing the password variable as a secret',
      () => ['run', project, '--spin', 'dev', '--secret-env', 'OPENCODE_SERVER_PASSWORD'],
      2,
      /OPENCODE_SERVER_PASSWORD cannot be passed/,
      { OPENCODE_SERVER_PASSWORD: 'x' },
    ],
    [
      'run with a missing env file',
      () => ['run', project, '--spin', 'dev', '--secret-env-file', '/nonexistent/env'],
      2,
      'The secret env file /nonexistent/env cannot be read: ENOENT.',
    ],
    [
      'run with a folder as env file',
      () => ['run', project, '--spin', 'dev', '--secret-env-file', folderNotFile],
      2,
      /The secret env file \S+\/not-a-file is not a file\./,
    ],
    [
      'run with the socket flag, no TTY and no --yes',
      () => ['run', project, '--spin', 'dev', '--no-connect', '--enable-docker-sock'],
      2,
      /confirmation needed, but there is no terminal/,
    ],
    [
      'run --json without --no-connect',
      () => ['run', project, '--spin', 'dev', '--json'],
      2,
      /--json needs --no-connect/,
    ],
    [
      'run with no host OpenCode and a connect to follow',
      () => ['run', project, '--spin', 'dev'],
      5,
      /OpenCode is not installed on this machine/,
      { PATH: 'NO_CLIENT' },
    ],
    [
      'run with a bad IMAGE_PREFIX',
      () => ['run', project, '--spin', 'dev', '--no-connect'],
      2,
      'IMAGE_PREFIX "Bad Prefix" is not a valid name prefix.',
      { IMAGE_PREFIX: 'Bad Prefix' },
    ],
    [
      'run with a bad base image',
      () => ['run', project, '--spin', 'dev', '--no-connect', '--base-image', 'UPPER/Case'],
      2,
      '"UPPER/Case" is not a valid image reference.',
    ],
    [
      'connect to an unknown container',
      () => ['connect', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    [
      'connect to a container caiged did not make',
      () => ['connect', stranger],
      2,
      `The container "${stranger}" was not made by caiged; caiged leaves it alone.`,
    ],
    [
      'connect with an invalid name',
      () => ['connect', 'bad name!'],
      2,
      '"bad name!" is not a valid container name.',
    ],
    [
      'connect without a host OpenCode',
      () => ['connect', 'caiged-nope-nope'],
      5,
      /OpenCode is not installed on this machine/,
      { PATH: 'NO_CLIENT' },
    ],
    [
      'stop an unknown container',
      () => ['containers', 'stop', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    [
      'stop a container caiged did not make',
      () => ['containers', 'stop', stranger],
      2,
      /was not made by caiged/,
    ],
    [
      'start an unknown container',
      () => ['containers', 'start', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    [
      'rm an unknown container',
      () => ['containers', 'rm', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    [
      'rm with neither names nor --all',
      () => ['containers', 'rm'],
      2,
      'Which containers? Name them, or use --all.',
    ],
    [
      'shell into an unknown container',
      () => ['containers', 'shell', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    [
      'logs of an unknown container',
      () => ['containers', 'logs', 'caiged-nope-nope'],
      5,
      'There is no caiged container named "caiged-nope-nope".',
    ],
    ['build a traversal spin name', () => ['build', '../../etc'], 2, '"../../etc" is not a valid spin name.'],
    ['build with spins and --all', () => ['build', 'dev', '--all'], 2, 'Name spins or use --all, not both.'],
    [
      'bake for an unsupported platform',
      () => ['bake', '--print', '--platform', 'linux/s390x'],
      2,
      'Unsupported platform "linux/s390x".',
    ],
    [
      'bake with a bad registry',
      () => ['bake', '--print', '--registry', 'https://x'],
      2,
      '"https://x" is not a registry path.',
    ],
    [
      'bake with a bad tag',
      () => ['bake', '--print', '--registry', 'r.example/x', '--tag', 'bad tag'],
      2,
      '"bad tag" is not a valid image tag.',
    ],
    [
      'spins validate a missing folder',
      () => ['spins', 'validate', './no/such/spin'],
      5,
      /There is no spin folder at \S+no\/such\/spin\./,
    ],
    [
      'config set an unknown key',
      () => ['config', 'set', 'mounts.ghh', 'ro'],
      2,
      'Unknown setting "mounts.ghh".',
    ],
    [
      'config set an invalid value',
      () => ['config', 'set', 'git.identity', 'robot'],
      2,
      /Not saved: git\.identity: /,
    ],
    [
      'run with an unknown --git-identity',
      () => ['run', project, '--spin', 'dev', '--git-identity', 'robot'],
      2,
      /Expected --git-identity=robot to be one of: host, agent, none/,
    ],
    [
      'run with a missing --ssh-key',
      () => ['run', project, '--spin', 'dev', '--no-connect', '--ssh-key', '/nonexistent/key'],
      5,
      'The ssh key /nonexistent/key does not exist.',
    ],
    [
      'run --ssh-agent without an agent',
      () => ['run', project, '--spin', 'dev', '--no-connect', '--ssh-agent'],
      2,
      /--ssh-agent needs a running ssh-agent/,
      { SSH_AUTH_SOCK: '' },
    ],
    [
      'run where the project config asks for the Docker socket, with no terminal to ask on',
      () => {
        const dir = world.project('asks-socket')
        fs.mkdirSync(path.join(dir, '.caiged'))
        fs.writeFileSync(path.join(dir, '.caiged', 'config.json'), JSON.stringify({ dockerSocket: true }))
        return ['run', dir, '--spin', 'dev', '--no-connect']
      },
      2,
      /\.caiged\/config\.json asks for the Docker socket \(root on this machine\), which caiged gives only with your say\./,
    ],
    [
      'run where the project config misspells a field',
      () => {
        const dir = world.project('misspelt')
        fs.mkdirSync(path.join(dir, '.caiged'))
        fs.writeFileSync(
          path.join(dir, '.caiged', 'config.json'),
          JSON.stringify({ egres: { allow: ['a.example'] } }),
        )
        return ['run', dir, '--spin', 'dev', '--no-connect']
      },
      3,
      /\.caiged\/config\.json is invalid: unknown field egres\./,
    ],
    [
      'logs of a container caiged did not make',
      () => ['containers', 'logs', stranger],
      2,
      /was not made by caiged/,
    ],
  ]

  it.each(cases)(
    '%s',
    async (_title, args, code, message, extraEnv = {}) => {
      const env = { ...world.env, ...extraEnv }
      if (env.PATH === 'NO_CLIENT') env.PATH = noClientPath()
      const argv = args()
      const result = await caiged(argv, { env })
      expect(result.exitCode, result.stderr).toBe(code)
      // With --json, the error is JSON on stdout, like every other answer.
      const said = argv.includes('--json')
        ? (JSON.parse(result.stdout) as { error: { message: string } }).error.message
        : result.stderr
      if (typeof message === 'string') expect(said).toContain(message)
      else expect(said).toMatch(message)
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(result.stderr).not.toContain('Unexpected error')
      // Nothing was made: no container, volume or image of this world.
      expect(docker(['ps', '-a', '-q', '--filter', `name=^${world.prefix}-`])).toBe('')
      expect(docker(['volume', 'ls', '-q', '--filter', `name=^${world.prefix}-`])).toBe('')
      expect(docker(['image', 'ls', '-q', world.prefix])).toBe('')
    },
    60_000,
  )

  it('checks the project folder exists before creating anything in it', () => {
    expect(fs.existsSync('/nonexistent/caiged-e2e')).toBe(false)
    expect(fs.readdirSync(path.join(world.root, 'projects', 'p'))).toEqual([])
  })
})
