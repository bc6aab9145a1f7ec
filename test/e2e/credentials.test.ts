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
import { startTestHost, type Reached } from '../support/test-host.js'

/**
 * Keys stay outside, against the real engine, offline: "the internet" is a test host on the test's
 * own outward network, answering as api.openai.com and other.test over HTTPS with a certificate of
 * a private CA that only egress.upstreamCA makes the gateway trust.
 */
describeEngine('credentials: the gateway holds the keys, the agent only placeholders', () => {
  let world: ReturnType<typeof e2eWorld>
  let name = ''
  let url = ''
  let runStderr = ''
  const openaiKey = `sk-proj-${randomBytes(24).toString('hex')}`
  const jfrogToken = `jf${randomBytes(16).toString('hex')}`
  // A provider key in a --secret-env-file (docker's env-file format), beside a plain setting.
  const anthropicKey = `sk-ant-api03-${randomBytes(24).toString('hex')}`
  // The scripted model's key, marked for its host (MODEL_KEY@models.test).
  const modelKey = `mk-${randomBytes(20).toString('hex')}`
  // OpenCode's auth.json on the host: an API key of a provider caiged knows, and a sign-in it copies.
  const routerKey = `sk-or-v1-${randomBytes(24).toString('hex')}`
  // The GitHub CLI signed in, its token in hosts.yml.
  const ghToken = `gho_${randomBytes(18).toString('hex')}`
  const oauth = { type: 'oauth', access: `at-${randomBytes(8).toString('hex')}`, refresh: 'r', expires: 1 }

  /** A request by the Bun runtime inside OpenCode's binary, the client the agent itself uses. */
  const fetchFrom = (url: string, header: string, method = 'GET') =>
    docker([
      'exec',
      '-e',
      'BUN_BE_BUN=1',
      name,
      'opencode',
      '-e',
      `const r = await fetch(${JSON.stringify(url)}, { method: '${method}', headers: { authorization: ${header} }, signal: AbortSignal.timeout(8000) })` +
        `.catch((e) => ({ status: 'error ' + (e.code ?? e.message) })); console.log(r.status)`,
    ])
  /** The files anywhere in the agent that hold a value: given on stdin, never in an argv there. */
  const filesHolding = (value: string) =>
    docker(
      [
        'exec',
        '-i',
        name,
        'sh',
        '-c',
        'grep -rlsF -f - / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev || true',
      ],
      { input: `${value}\n` },
    )
  let reached: () => Reached[] = () => []

  beforeAll(async () => {
    world = e2eWorld('key')
    const outward = `${world.prefix}-out`
    const tls = path.join(world.root, 'tls')
    fs.mkdirSync(tls)
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' })
    openssl(
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', '/CN=caiged test upstream CA', '-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-keyout', path.join(tls, 'ca.key'), '-out', path.join(tls, 'ca.crt')],
    )
    openssl(
      ...[
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=api.openai.com',
      ],
      ...['-keyout', path.join(tls, 'key.pem'), '-out', path.join(tls, 'host.csr')],
    )
    fs.writeFileSync(
      path.join(tls, 'ext.cnf'),
      'subjectAltName=DNS:api.openai.com,DNS:openrouter.ai,DNS:api.github.com,DNS:github.com,DNS:other.test,DNS:models.test,DNS:api.anthropic.com\n',
    )
    openssl(
      ...['x509', '-req', '-in', path.join(tls, 'host.csr'), '-CA', path.join(tls, 'ca.crt')],
      ...['-CAkey', path.join(tls, 'ca.key'), '-CAcreateserial', '-days', '1'],
      ...['-extfile', path.join(tls, 'ext.cnf'), '-out', path.join(tls, 'cert.pem')],
    )
    fs.chmodSync(path.join(tls, 'key.pem'), 0o644)
    const configDir = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged')
    fs.mkdirSync(configDir, { recursive: true })
    fs.writeFileSync(
      path.join(configDir, 'config.json'),
      JSON.stringify({ egress: { network: outward, upstreamCA: path.join(tls, 'ca.crt') } }),
    )
    docker(['network', 'create', outward])
    // GitHub's git side: bare repositories, the project's own and another one.
    const gitRoot = path.join(world.root, 'git')
    for (const repo of ['octo/app.git', 'other/thing.git'])
      execFileSync('git', ['init', '-q', '--bare', path.join(gitRoot, repo)])
    ;({ reached } = startTestHost({
      gitRoot,
      name: `${world.prefix}-host`,
      network: outward,
      aliases: [
        'api.openai.com',
        'openrouter.ai',
        'api.github.com',
        'github.com',
        'other.test',
        'api.anthropic.com',
      ],
      root: world.root,
      ports: [80],
      tlsPorts: [443],
      tls,
    }))
    // The scripted model, over HTTPS as models.test: its key is one the gateway injects.
    startFakeModel({
      name: `${world.prefix}-model`,
      network: outward,
      aliases: ['models.test'],
      logDir: path.join(world.root, 'model-log'),
      port: 443,
      tls,
    })
    const authDir = path.join(world.env.HOME as string, '.local', 'share', 'opencode')
    fs.mkdirSync(authDir, { recursive: true })
    fs.writeFileSync(
      path.join(authDir, 'auth.json'),
      JSON.stringify({ openrouter: { type: 'api', key: routerKey }, someoauth: oauth }),
      { mode: 0o600 },
    )
    const ghDir = path.join(world.env.XDG_CONFIG_HOME as string, 'gh')
    fs.mkdirSync(ghDir, { recursive: true })
    fs.writeFileSync(
      path.join(ghDir, 'hosts.yml'),
      `github.com:\n    git_protocol: https\n    user: octo\n    oauth_token: ${ghToken}\n`,
    )
    const project = world.project('keys')
    const envFile = path.join(world.root, 'secrets.env')
    fs.writeFileSync(
      envFile,
      `# keys\nANTHROPIC_API_KEY=${anthropicKey}\nPLAIN_SETTING=visible to the agent\n`,
    )
    // A project cloned from GitHub: github.scope is project by default, narrowed to octo/app.
    fs.writeFileSync(
      path.join(world.env.HOME as string, '.gitconfig'),
      '[user]\n\tname = Key Tester\n\temail = keys@example.invalid\n[safe]\n\tdirectory = *\n',
    )
    const git = (...args: string[]) => execFileSync('git', ['-C', project, ...args], { env: world.env })
    git('init', '-q', '-b', 'main')
    git('remote', 'add', 'origin', 'https://github.com/octo/app.git')
    fs.writeFileSync(path.join(project, 'README.md'), 'keys\n')
    fs.writeFileSync(
      path.join(project, 'opencode.json'),
      fakeModelOpencodeJson('https://models.test/v1', '{env:MODEL_KEY}'),
    )
    git('add', 'README.md')
    git('commit', '-q', '-m', 'First')
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', project])
    const result = await caiged(
      [
        'run',
        project,
        '--spin',
        'dev',
        '--no-connect',
        '--json',
        '--secret-env',
        'OPENAI_API_KEY',
        '--secret-env',
        'JFROG_TOKEN@other.test',
        '--allow-host',
        'other.test',
        ...['--secret-env', 'MODEL_KEY@models.test', '--allow-host', 'models.test'],
        ...['--secret-env-file', path.join(world.root, 'secrets.env')],
      ],
      { env: { ...world.env, OPENAI_API_KEY: openaiKey, JFROG_TOKEN: jfrogToken, MODEL_KEY: modelKey } },
    )
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0)
    ;({ name, url } = JSON.parse(result.stdout) as RunJson)
    runStderr = result.stderr
  }, 900_000)

  // Its containers, volumes and networks (the outward one too: it carries the world's prefix).
  afterAll(() => world?.cleanup())

  it('the agent holds placeholders of the keys’ shape; nothing in it or its config holds a real value', () => {
    const placeholder = docker(['exec', name, 'printenv', 'OPENAI_API_KEY'])
    expect(placeholder).toMatch(/^sk-proj-[A-Za-z0-9]+$/)
    expect(placeholder).toHaveLength(openaiKey.length)
    expect(placeholder).not.toBe(openaiKey)
    // The scan can find: a marker planted in a file and a process environment is found.
    const marker = `caiged-marker-${randomBytes(8).toString('hex')}`
    docker(['exec', name, 'sh', '-c', `echo ${marker} > /tmp/planted`])
    // The value travels on stdin only: grep reads its pattern from there, never from an argv.
    const scan = (value: string) => ({
      files: filesHolding(value),
      environs: docker(
        [
          'exec',
          '-i',
          ...['-e', `CAIGED_SCAN_MARK=${marker}`],
          name,
          'sh',
          '-c',
          'exec 3<&0; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep -cF -f /dev/fd/3 || true',
        ],
        { input: `${value}\n` },
      ),
    })
    expect(scan(marker)).toEqual({ files: '/tmp/planted', environs: expect.stringMatching(/^[1-9]/) })
    for (const secret of [openaiKey, jfrogToken, routerKey, ghToken, modelKey, anthropicKey]) {
      expect(scan(secret)).toEqual({ files: '', environs: '0' })
      expect(docker(['container', 'inspect', name])).not.toContain(secret)
    }
  }, 120_000)

  it('a request to the key’s own host arrives with the real key; the placeholder sent elsewhere stays one', () => {
    expect(fetchFrom('https://api.openai.com/v1/models', '`Bearer ${process.env.OPENAI_API_KEY}`')).toBe(
      '200',
    )
    expect(fetchFrom('https://other.test/leak', '`Bearer ${process.env.OPENAI_API_KEY}`')).toBe('200')
    // A token marked for other.test is put in there, and in nothing else.
    expect(fetchFrom('https://other.test/jfrog', '`Bearer ${process.env.JFROG_TOKEN}`')).toBe('200')
    const log = reached()
    const placeholder = docker(['exec', name, 'printenv', 'OPENAI_API_KEY'])
    expect(log.find((r) => r.url === '/v1/models')?.authorization).toBe(`Bearer ${openaiKey}`)
    expect(log.find((r) => r.url === '/leak')?.authorization).toBe(`Bearer ${placeholder}`)
    expect(log.find((r) => r.url === '/jfrog')?.authorization).toBe(`Bearer ${jfrogToken}`)
  }, 60_000)

  it('a provider key from --secret-env-file is a placeholder inside and real at its host; the file’s other values go in as they are', () => {
    const placeholder = docker(['exec', name, 'printenv', 'ANTHROPIC_API_KEY'])
    expect(placeholder).toMatch(/^sk-ant-api03-[A-Za-z0-9]+$/)
    expect(placeholder).toHaveLength(anthropicKey.length)
    expect(placeholder).not.toBe(anthropicKey)
    expect(docker(['exec', name, 'printenv', 'PLAIN_SETTING'])).toBe('visible to the agent')
    expect(fetchFrom('https://api.anthropic.com/v1/models', `'Bearer ${placeholder}'`)).toBe('200')
    expect(reached().find((r) => r.host === 'api.anthropic.com')?.authorization).toBe(
      `Bearer ${anthropicKey}`,
    )
  }, 60_000)

  it("the GitHub CLI's token: a placeholder in the agent's hosts.yml, put back for GitHub's API and git over HTTPS", () => {
    const hosts = docker(['exec', name, 'sh', '-c', 'cat ~/.config/gh/hosts.yml'])
    const placeholder = /oauth_token: (\S+)/.exec(hosts)?.[1] as string
    expect(placeholder).toMatch(/^gho_[A-Za-z0-9]+$/)
    expect(placeholder).toHaveLength(ghToken.length)
    expect(placeholder).not.toBe(ghToken)
    const basic = (secret: string) => Buffer.from(`x-access-token:${secret}`).toString('base64')
    expect(fetchFrom('https://api.github.com/user', `'token ${placeholder}'`)).toBe('200')
    expect(fetchFrom('https://github.com/octo/app.git/info/refs', `'Basic ${basic(placeholder)}'`)).toBe(
      '200',
    )
    expect(fetchFrom('https://other.test/gh', `'token ${placeholder}'`)).toBe('200')
    const log = reached()
    expect(log.find((r) => r.url === '/user')?.authorization).toBe(`token ${ghToken}`)
    expect(log.find((r) => r.url === '/octo/app.git/info/refs')?.authorization).toBe(
      `Basic ${basic(ghToken)}`,
    )
    expect(log.find((r) => r.url === '/gh')?.authorization).toBe(`token ${placeholder}`)
  })

  it('the scripted model answers a prompt through the intercepting gateway, its key put in there', async () => {
    const api = async (p: string, body: unknown) =>
      (
        await fetch(`${url}${p}?directory=%2Fworkspace`, {
          method: 'POST',
          headers: { authorization: basicAuth(world.password(name)), 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(120_000),
        })
      ).json() as Promise<{ id?: string; parts?: { type: string; text?: string }[] }>
    const session = await api('/session', { title: 'through the gateway' })
    const reply = await api(`/session/${session.id}/message`, {
      parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
    })
    expect(reply.parts?.filter((p) => p.type === 'text').map((p) => p.text)).toContain(
      'Round trip done by the fake model.',
    )
    const asked = fs
      .readFileSync(path.join(world.root, 'model-log', 'requests.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { url: string; authorization?: string })
      .filter((r) => r.url.endsWith('/chat/completions'))
    expect(asked.length).toBeGreaterThanOrEqual(3)
    for (const r of asked) expect(r.authorization).toBe(`Bearer ${modelKey}`)
    // The agent itself holds only the placeholder.
    expect(docker(['exec', name, 'printenv', 'MODEL_KEY'])).not.toBe(modelKey)
  }, 180_000)

  it('github.scope project: git push and API writes reach the project’s repository only; others get 403 naming the rule', async () => {
    const inAgent = (script: string) =>
      docker(['exec', '-w', '/workspace', name, 'sh', '-c', `${script} 2>&1; echo "exit $?"`])
    // git over HTTPS finds the placeholder through the credential helper caiged sets for GitHub.
    expect(inAgent('git push -q https://github.com/octo/app.git HEAD:main')).toMatch(/exit 0$/)
    const refused = inAgent('git push -q https://github.com/other/thing.git HEAD:main')
    expect(refused).toMatch(/403/)
    expect(refused).not.toMatch(/exit 0$/)
    const bare = (repo: string) => path.join(world.root, 'git', repo)
    expect(
      execFileSync('git', ['-C', bare('octo/app.git'), 'log', '--format=%s', 'main'], { encoding: 'utf8' }),
    ).toBe('First\n')
    expect(
      spawnSync('git', ['-C', bare('other/thing.git'), 'rev-parse', '--verify', '-q', 'main']).status,
    ).toBe(1)
    const hosts = docker(['exec', name, 'sh', '-c', 'cat ~/.config/gh/hosts.yml'])
    const token = `'token ${/oauth_token: (\S+)/.exec(hosts)?.[1]}'`
    expect(fetchFrom('https://api.github.com/repos/octo/app/issues', token, 'POST')).toBe('200')
    expect(fetchFrom('https://api.github.com/repos/other/thing/issues', token, 'POST')).toBe('403')
    // The refusal names its rule, for the agent (and the user reading its transcript) to act on.
    const page = docker([
      ...['exec', '-e', 'BUN_BE_BUN=1', name, 'opencode', '-e'],
      "console.log(await (await fetch('https://api.github.com/repos/other/thing/issues', { method: 'POST' })).text())",
    ])
    expect(page).toContain('github.scope project')
    expect(page).toContain('caiged config set github.scope')
    expect(fetchFrom('https://api.github.com/repos/other/thing', token)).toBe('200')
    const log = reached()
    expect(log.find((r) => r.method === 'POST' && r.url === '/repos/octo/app/issues')?.authorization).toBe(
      `token ${ghToken}`,
    )
    expect(
      log.find((r) => r.url.startsWith('/other/thing.git/') && r.url.includes('receive-pack')),
    ).toBeUndefined()
    expect(log.find((r) => r.method === 'POST' && r.url === '/repos/other/thing/issues')).toBeUndefined()
    const entries = JSON.parse((await caiged(['egress', 'log', name, '--json'], { env: world.env })).stdout)
    expect(entries).toContainEqual(
      expect.objectContaining({ destination: 'github.com:443', decision: 'denied', rule: 'github.scope' }),
    )
    expect(entries).toContainEqual(
      expect.objectContaining({
        destination: 'api.github.com:443',
        decision: 'denied',
        rule: 'github.scope',
      }),
    )
  }, 120_000)

  it("auth.json's API keys are placeholders in the agent's copy, put back by the gateway for their provider", () => {
    const copy = JSON.parse(
      docker(['exec', name, 'sh', '-c', 'cat ~/.local/share/opencode/auth.json']),
    ) as Record<string, { key?: string }>
    const placeholder = copy.openrouter?.key as string
    expect(placeholder).toMatch(/^sk-or-v1-[A-Za-z0-9]+$/)
    expect(placeholder).not.toBe(routerKey)
    // A sign-in the gateway cannot hold went in only with the user's say: this run had none.
    expect(copy.someoauth).toBeUndefined()
    expect(runStderr).toContain('Not copied into')
    expect(fetchFrom('https://openrouter.ai/api/v1/models', `'Bearer ${placeholder}'`)).toBe('200')
    expect(fetchFrom('https://other.test/router', `'Bearer ${placeholder}'`)).toBe('200')
    const log = reached()
    expect(log.find((r) => r.url === '/api/v1/models')?.authorization).toBe(`Bearer ${routerKey}`)
    expect(log.find((r) => r.url === '/router')?.authorization).toBe(`Bearer ${placeholder}`)
  }, 60_000)

  it('keeps the gateway CA’s key outside the agent, private to the user', () => {
    const caFile = path.join(world.env.XDG_CONFIG_HOME as string, 'caiged', 'gateway-ca.pem')
    expect(fs.statSync(caFile).mode & 0o777).toBe(0o600)
    const key = fs.readFileSync(caFile, 'utf8').split('-----END')[0] as string
    const keyLine = key.split('\n').find((l) => l.length > 40) as string
    expect(filesHolding(keyLine)).toBe('')
    const certificate = docker(['exec', name, 'cat', '/run/caiged/gateway-ca.crt'])
    expect(certificate).toContain('BEGIN CERTIFICATE')
    // The runtimes that read a bundle (OpenSSL, Go, git, Python, curl) get the system's CAs and it.
    const bundle = docker(['exec', name, 'sh', '-c', 'cat "$SSL_CERT_FILE"'])
    expect(bundle).toContain(certificate)
    expect(bundle.split('BEGIN CERTIFICATE').length).toBeGreaterThan(50)
    for (const variable of ['GIT_SSL_CAINFO', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
      expect(docker(['exec', name, 'printenv', variable])).toBe('/tmp/caiged/ca-bundle.crt')
  }, 120_000)

  it('copies a sign-in in when the user says so (--yes), remembers it, and the list says the agent holds it', async () => {
    const again = await caiged(
      [
        'run',
        path.join(world.root, 'projects', 'keys'),
        '--spin',
        'dev',
        '--no-connect',
        '--json',
        '--yes',
        ...['--secret-env', 'OPENAI_API_KEY', '--secret-env', 'JFROG_TOKEN@other.test'],
        ...['--allow-host', 'other.test'],
        ...['--secret-env', 'MODEL_KEY@models.test', '--allow-host', 'models.test'],
        ...['--secret-env-file', path.join(world.root, 'secrets.env')],
      ],
      { env: { ...world.env, OPENAI_API_KEY: openaiKey, JFROG_TOKEN: jfrogToken, MODEL_KEY: modelKey } },
    )
    expect(again.exitCode, again.stderr.slice(-2000)).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'recreated' })
    const copy = JSON.parse(docker(['exec', name, 'sh', '-c', 'cat ~/.local/share/opencode/auth.json']))
    expect(copy.someoauth).toEqual(oauth)
    const list = await caiged(['containers', 'list', '--json'], { env: world.env })
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ name, signInsInside: ['someoauth'] }),
    )
  }, 300_000)
})
