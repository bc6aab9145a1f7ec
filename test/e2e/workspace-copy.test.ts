import { execFileSync, spawnSync } from 'node:child_process'
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
 * --workspace copy on the local engine: the agent works on a copy of the project in a volume of its
 * own; its writes (the real OpenCode's, driven by the scripted model) never reach the project until
 * `caiged apply`, which refuses, changing nothing, where the project changed the same lines.
 */
describeEngine('workspace copy: diff and apply', () => {
  let world: ReturnType<typeof e2eWorld>
  const outward = `caiged-e2e-copy-${randomBytes(3).toString('hex')}`
  let project = ''
  let agent: RunJson
  const model = () => `${world.prefix}-model`
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', project, ...args], {
      encoding: 'utf8',
      env: { ...process.env, HOME: world.env.HOME },
    })
  const inAgent = (script: string) => docker(['exec', '-w', '/workspace', agent.name, 'sh', '-c', script])
  const run = async (dir: string) => {
    const result = await caiged(
      ['run', dir, '--spin', 'dev', '--no-connect', '--json', '--workspace', 'copy'].concat([
        '--allow-host',
        `${model()}:4300`,
      ]),
      { env: world.env },
    )
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    return { ...(JSON.parse(result.stdout) as RunJson), stderr: result.stderr }
  }

  beforeAll(async () => {
    world = e2eWorld('copy')
    docker(['network', 'create', outward])
    const configDir = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged')
    fs.mkdirSync(configDir, { recursive: true })
    fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ egress: { network: outward } }))
    fs.writeFileSync(path.join(world.env.HOME as string, '.gitconfig'), '[safe]\n\tdirectory = *\n')
    startFakeModel({
      name: model(),
      network: outward,
      logDir: path.join(world.root, 'model-log'),
      port: 4300,
    })
    // A git project: a commit, an ignored folder, an untracked file, and the model's config.
    project = world.project('copied')
    git('init', '-q', '-b', 'main')
    fs.writeFileSync(path.join(project, 'README.md'), 'one\ntwo\nthree\n')
    fs.writeFileSync(path.join(project, '.gitignore'), 'node_modules\n')
    git('add', '.')
    git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'First')
    fs.mkdirSync(path.join(project, 'node_modules'))
    fs.writeFileSync(path.join(project, 'node_modules', 'big.js'), 'ignored\n')
    fs.writeFileSync(
      path.join(project, 'opencode.json'),
      fakeModelOpencodeJson(`http://${model()}:4300/v1`, 'x'),
    )
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', project])
    const made = await run(project)
    agent = made
    expect(made.stderr).toMatch(/Copied .* into .* \(\d+\.\d MB in \d+\.\d s\)/)
  }, 600_000)

  afterAll(() => {
    world?.cleanup()
    execFileSync('docker', ['network', 'rm', outward], { stdio: 'ignore' })
  })

  it('copies the tracked and the untracked-but-not-ignored files with the history; the project is not mounted', () => {
    expect(inAgent('ls -A | sort').split('\n')).toEqual(['.git', '.gitignore', 'README.md', 'opencode.json'])
    expect(inAgent('git log --format=%s main')).toBe('First')
    const mounts = JSON.parse(docker(['container', 'inspect', agent.name]))[0].Mounts as { Source: string }[]
    expect(mounts.map((m) => m.Source)).not.toContain(project)
  })

  it('the agent’s writes (a real prompt, the scripted model’s tool calls) stay in the copy; diff shows them', async () => {
    const api = async (p: string, body: unknown) =>
      (
        await fetch(`${agent.url}${p}?directory=%2Fworkspace`, {
          method: 'POST',
          headers: {
            authorization: basicAuth(world.password(agent.name)),
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(120_000),
        })
      ).json() as Promise<{ id?: string }>
    const session = await api('/session', { title: 'copy' })
    await api(`/session/${session.id}/message`, {
      parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
    })
    expect(inAgent('cat from-agent.txt')).toBe('written by the agent through a tool call')
    inAgent(
      "sed -i 's/two/TWO/' README.md && git add README.md && git -c user.name=A -c user.email=a@x commit -qm 'By the agent'",
    )
    expect(fs.existsSync(path.join(project, 'from-agent.txt'))).toBe(false)
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('one\ntwo\nthree\n')
    const json = JSON.parse((await caiged(['diff', agent.name, '--json'], { env: world.env })).stdout)
    expect(json.files.map((f: { path: string }) => f.path).sort()).toEqual(['README.md', 'from-agent.txt'])
    const patch = (await caiged(['diff', agent.name], { env: world.env })).stdout
    expect(patch).toContain('+TWO')
    expect(patch).toContain('+written by the agent through a tool call')
  }, 180_000)

  it('apply --branch makes the agent’s commit a branch of the project, touching nothing else', async () => {
    const made = await caiged(['apply', agent.name, '--branch', 'caiged/agent-work'], { env: world.env })
    expect(made.exitCode, made.stderr).toBe(0)
    expect(made.stdout).toContain('Made the branch caiged/agent-work with 1 commit')
    expect(git('log', '--format=%s', 'caiged/agent-work')).toBe('By the agent\nFirst\n')
    expect(git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main\n')
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('one\ntwo\nthree\n')
    // Again: the same commits, nothing to change. Onto the branch checked out: refused, main untouched.
    const again = await caiged(['apply', agent.name, '--branch', 'caiged/agent-work'], { env: world.env })
    expect(again.exitCode, again.stderr).toBe(0)
    const onMain = await caiged(['apply', agent.name, '--branch', 'main'], { env: world.env })
    expect(onMain.exitCode).not.toBe(0)
    expect(onMain.stderr).toContain('Could not make the branch main')
    expect(git('log', '--format=%s', 'main')).toBe('First\n')
    const bad = await caiged(['apply', agent.name, '--branch', '../x'], { env: world.env })
    expect(bad.stderr).toContain('"../x" is not a branch name git accepts.')
  }, 60_000)

  it('apply refuses, naming the file and changing nothing, where the project changed the same lines', async () => {
    fs.writeFileSync(path.join(project, 'README.md'), 'one\ntwo, said the user\nthree\n')
    const refused = await caiged(['apply', agent.name], { env: world.env })
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain('Not applied: README.md changed since')
    expect(fs.existsSync(path.join(project, 'from-agent.txt'))).toBe(false)
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('one\ntwo, said the user\nthree\n')
  })

  it('apply brings the changes in once the project is back; then diff is empty', async () => {
    git('checkout', '--', 'README.md')
    const applied = await caiged(['apply', agent.name], { env: world.env })
    expect(applied.exitCode, applied.stderr).toBe(0)
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('one\nTWO\nthree\n')
    expect(fs.readFileSync(path.join(project, 'from-agent.txt'), 'utf8')).toBe(
      'written by the agent through a tool call\n',
    )
    // The project's history is the user's: the change is in the working tree, not committed.
    expect(git('log', '--format=%s')).toBe('First\n')
    expect((await caiged(['diff', agent.name], { env: world.env })).stdout).toContain('has changed nothing')
  }, 60_000)

  it('sync refuses to drop changes not applied; --force makes the copy anew from the project', async () => {
    inAgent('echo scratch > scratch.txt')
    const refused = await caiged(['sync', agent.name], { env: world.env })
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain('scratch.txt')
    expect(inAgent('cat scratch.txt')).toBe('scratch')
    fs.writeFileSync(path.join(project, 'from-user.txt'), 'new on the host\n')
    const synced = await caiged(['sync', agent.name, '--force'], { env: world.env })
    expect(synced.exitCode, synced.stderr).toBe(0)
    expect(inAgent('ls -A | sort').split('\n')).not.toContain('scratch.txt')
    expect(inAgent('cat from-user.txt')).toBe('new on the host')
    expect((await caiged(['diff', agent.name], { env: world.env })).stdout).toContain('has changed nothing')
  }, 60_000)

  it('copies a folder that is not a repository whole but for its copy.exclude, and applies into it', async () => {
    const plain = world.project('plain')
    fs.writeFileSync(path.join(plain, 'a.txt'), 'a\n')
    // What the project's config leaves out stays out of the copy, and apply never touches it.
    fs.mkdirSync(path.join(plain, '.caiged'))
    fs.writeFileSync(
      path.join(plain, '.caiged', 'config.json'),
      JSON.stringify({ copy: { exclude: ['data', '*.iso'] } }),
    )
    fs.mkdirSync(path.join(plain, 'data', 'deep'), { recursive: true })
    fs.writeFileSync(path.join(plain, 'data', 'deep', 'big.bin'), 'big\n')
    fs.writeFileSync(path.join(plain, 'disk.iso'), 'iso\n')
    fs.mkdirSync(path.join(plain, 'src', 'data'), { recursive: true })
    fs.writeFileSync(path.join(plain, 'src', 'data', 'kept.txt'), 'kept\n')
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', plain])
    const other = await run(plain)
    expect(
      docker([
        'exec',
        '-w',
        '/workspace',
        other.name,
        'sh',
        '-c',
        'find . -path ./.git -prune -o -type f -print | sort',
      ]).split('\n'),
    ).toEqual(['./.caiged/config.json', './a.txt', './src/data/kept.txt'])
    docker(['exec', '-w', '/workspace', other.name, 'sh', '-c', 'echo b > b.txt && echo A > a.txt'])
    // Read and applied from a stopped agent too: its copy is in its volume.
    docker(['stop', other.name])
    const applied = await caiged(['apply', other.name], { env: world.env })
    expect(applied.exitCode, applied.stderr).toBe(0)
    expect(fs.readFileSync(path.join(plain, 'a.txt'), 'utf8')).toBe('A\n')
    expect(fs.readFileSync(path.join(plain, 'b.txt'), 'utf8')).toBe('b\n')
    expect(fs.existsSync(path.join(plain, '.git'))).toBe(false)
    expect(fs.readFileSync(path.join(plain, 'data', 'deep', 'big.bin'), 'utf8')).toBe('big\n')
    expect(fs.readFileSync(path.join(plain, 'disk.iso'), 'utf8')).toBe('iso\n')
    // rm --volumes takes the copy with it.
    const removed = await caiged(['containers', 'rm', other.name, '--volumes', '--force'], { env: world.env })
    expect(removed.exitCode, removed.stderr).toBe(0)
    expect(spawnSync('docker', ['volume', 'inspect', `${other.name}-workspace`]).status).not.toBe(0)
  }, 180_000)
})
