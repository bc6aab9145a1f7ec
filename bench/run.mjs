#!/usr/bin/env node
// caiged benchmarks. Each compares caiged with the floor it stands on, run alternately in one
// process, several times after a warm-up; it prints medians and the ratio, because these machines
// are noisy and only ratios measured side by side mean anything.
//
//   npm run bench            quick benchmarks (CI runs these)
//   npm run bench -- --all   also cold start, rebuilds, image size and idle memory (minutes)
//
// Exits 1 when a ratio misses its target by more than 25%. Needs a Docker engine, the local base
// images (CAIGED_TEST_BASE_IMAGE, default local/debian:bookworm, and its -slim of
// .ci/base-image.sh slim), the npm registry and Debian's packages.
/* global fetch, AbortSignal */
import { execFileSync, spawnSync } from 'node:child_process'
import crypto, { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { opencodeVersions } from '../test/support/opencode-versions.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.cjs')
const all = process.argv.includes('--all')
const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
const baseImage = process.env.CAIGED_TEST_BASE_IMAGE ?? 'local/debian:bookworm'
/** The floor every command stands on: Node itself, starting and doing nothing. */
const NODE = [process.execPath, '-e', '0']
/** Node, then one docker call: what a command that needs one docker call cannot go below. */
const nodeThenDocker = (...args) => [
  process.execPath,
  '-e',
  `require('node:child_process').execFileSync('docker', ${JSON.stringify(args)})`,
]

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-bench-'))
const prefix = `cgbench${process.pid}`
// The OpenCode the tests pin (one place: test/support/opencode-versions.mjs).
const version = opencodeVersions.current
const clientPrefix = path.join(os.tmpdir(), `caiged-e2e-opencode-${version}`)
if (!fs.existsSync(path.join(clientPrefix, 'node_modules', '.bin', 'opencode'))) {
  execFileSync(
    'npm',
    ['install', '--prefix', clientPrefix, '--no-audit', '--no-fund', `opencode-ai@${version}`],
    { stdio: 'ignore' },
  )
}
const env = {
  ...process.env,
  IMAGE_PREFIX: prefix,
  CAIGED_BASE_IMAGE: baseImage,
  HOME: path.join(work, 'home'),
  XDG_CONFIG_HOME: path.join(work, 'config'),
  XDG_CACHE_HOME: path.join(os.tmpdir(), 'caiged-e2e-cache'),
  PATH: `${path.join(clientPrefix, 'node_modules', '.bin')}:${process.env.PATH}`,
  CI: '1',
}
fs.mkdirSync(env.HOME, { recursive: true })
// Gateways go out through the bench's own network, where a test host stands in for the internet.
const outward = `${prefix}-out`
fs.mkdirSync(path.join(env.XDG_CONFIG_HOME, 'caiged'), { recursive: true })
fs.writeFileSync(
  path.join(env.XDG_CONFIG_HOME, 'caiged', 'config.json'),
  JSON.stringify({ egress: { network: outward } }),
)
// A user with a git identity, as most are (without one, run warns on every call).
fs.writeFileSync(
  path.join(env.HOME, '.gitconfig'),
  '[user]\n\tname = Bench User\n\temail = bench@example.com\n',
)

const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', env, cwd: root, ...opts }).trim()
const caiged = (...args) => sh(process.execPath, [bin, ...args])
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
function timeOnce(argv, runEnv = env) {
  const start = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { env: runEnv, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
  return ms(start)
}
/**
 * A and B alternately: warm-up, then `rounds` pairs; medians and their ratio. `timeA` times one
 * run of A (by default from its start to its exit).
 */
function compare(a, b, n = rounds, aEnv = env, timeA = timeOnce) {
  timeA(a, aEnv)
  timeOnce(b)
  const ta = []
  const tb = []
  for (let i = 0; i < n; i++) {
    ta.push(timeA(a, aEnv))
    tb.push(timeOnce(b))
  }
  return { caiged: median(ta), floor: median(tb) }
}

/** A node script that polls a server's authenticated health until it answers (PW; the URL as argv). */
const HEALTH_POLL = `const pw=process.env.PW, url=process.argv[1]; const auth='Basic '+Buffer.from('opencode:'+pw).toString('base64');
  for (;;) { const c=new AbortController(); const t=setTimeout(()=>c.abort(),500);
    try { const r=await fetch(url+'/global/health',{headers:{authorization:auth},signal:c.signal}); if(r.status===200) break } catch {} finally { clearTimeout(t) }
    await new Promise(r=>setTimeout(r,100)) }`

const results = []
function record(name, caigedMs, floorMs, target, unit = 'ms', note = '') {
  const ratio = caigedMs / floorMs
  const verdict = ratio <= target ? 'ok' : ratio <= target * 1.25 ? 'near' : 'MISS'
  results.push({ name, caiged: caigedMs, floor: floorMs, ratio, target, verdict, unit, note })
  console.error(
    `  ${name}: ${caigedMs.toFixed(0)} vs ${floorMs.toFixed(0)} ${unit} → ${ratio.toFixed(2)} (target ≤ ${target})`,
  )
}

/**
 * The milliseconds a Bun script (in the agent's image) prints, run straight on the outward network:
 * the direct side of a download through the gateway. `url` is URL=….
 */
function fromOutside(script, url) {
  const args = ['run', '--rm', '--network', outward, '-e', 'BUN_BE_BUN=1', '-e', url]
  return Number(sh('docker', [...args, `${prefix}:dev`, 'opencode', '-e', script]))
}

/** A ratio printed beside the target it is meant to meet, without failing the run (yet). */
function reportAgainst(name, caigedMs, floorMs, target) {
  const ratio = caigedMs / floorMs
  report(
    name,
    `${caigedMs.toFixed(0)} vs ${floorMs.toFixed(0)} ms, ${ratio.toFixed(2)}; target ≤ ${target}, not gated yet`,
  )
}

/** A figure with no target, printed for the record (memory). */
function report(name, note) {
  results.push({ name, caiged: NaN, floor: NaN, ratio: NaN, target: NaN, verdict: 'info', unit: '', note })
}

/**
 * Keys stay outside: what intercepting a key's host costs. The same Bun client in the same agent,
 * behind a gateway that tunnels bighost.test (the one made above) and behind one that terminates
 * TLS there to put a key in (--secret-env BENCH_KEY@bighost.test, the test host's certificate given
 * as egress.upstreamCA): 20 small authenticated requests in a row (a model API's turn is a few),
 * and the 50 MiB download; and the gateway's memory with interception on.
 */
async function interceptionBench(o) {
  const roundTrips = `const t = performance.now(); for (let i = 0; i < 20; i++) {
    const r = await fetch('https://bighost.test/', { headers: { authorization: 'Bearer ' + process.env.BENCH_KEY }, tls: { rejectUnauthorized: false } });
    await r.text(); if (r.status !== 200) throw new Error('status ' + r.status) }
    console.log(performance.now() - t)`
  const inAgent = (script, url = '') =>
    Number(
      sh('docker', [
        'exec',
        '-e',
        'BUN_BE_BUN=1',
        '-e',
        `URL=${url}`,
        o.egressName,
        'opencode',
        '-e',
        script,
      ]),
    )
  const tunnelled = []
  for (let i = 0; i < 7; i++) tunnelled.push(inAgent(roundTrips))
  o.dropEgressContainer()
  const config = path.join(env.XDG_CONFIG_HOME, 'caiged', 'config.json')
  const before = fs.readFileSync(config, 'utf8')
  fs.writeFileSync(
    config,
    JSON.stringify({ egress: { network: outward, upstreamCA: path.join(o.tlsDir, 'cert.pem') } }),
  )
  try {
    sh(
      process.execPath,
      [
        bin,
        'run',
        o.egressProject,
        '--spin',
        'dev',
        '--no-connect',
        '--allow-host',
        'bighost.test',
        '--secret-env',
        'BENCH_KEY@bighost.test',
      ],
      { env: { ...env, BENCH_KEY: 'bk-benchmark-key-0123456789abcdef' } },
    )
    const intercepted = []
    for (let i = 0; i < 7; i++) intercepted.push(inAgent(roundTrips))
    // Reported against the issue's targets (≤ 1.2 and ≤ 2.5), not gated yet: squid decrypts,
    // parses and re-encrypts each request (about 0.8 ms apiece on loopback, where the tunnel's
    // answers take under 1 ms) and copies a bumped download as it copies plain HTTP.
    reportAgainst(
      '20 authenticated HTTPS requests, key injected (intercepted) vs tunnelled',
      median(intercepted),
      median(tunnelled),
      1.2,
    )
    const viaInterception = []
    const direct = []
    for (let i = 0; i < 5; i++) {
      viaInterception.push(inAgent(o.download, 'https://bighost.test/big'))
      direct.push(fromOutside(o.download, 'URL=https://bighost.test/big'))
    }
    reportAgainst(
      '50 MiB HTTPS download from an intercepted host vs direct',
      median(viaInterception),
      median(direct),
      2.5,
    )
    const memory = sh('docker', [
      'stats',
      '--no-stream',
      '--format',
      '{{.MemUsage}}',
      `${o.egressName}-egress`,
    ])
    report('memory of a gateway that intercepts (after the download)', memory.split(' / ')[0])
    await modelRoundTripBench({ ...o, config })
  } finally {
    fs.writeFileSync(config, before)
  }
}

/**
 * A model round trip as the user has one: a prompt to the agent's OpenCode server, answered by the
 * scripted model (test/fixtures/fake-openai-model.mjs: a write, a shell command, then its text, so
 * three model requests and a session title), its key injected by the gateway (models.test,
 * intercepted) vs the same model reached through a tunnel (tunnel-models.test, a literal key).
 * One agent, one gateway, one model, alternating: only the interception differs. Both names'
 * certificate is signed by the machine's gateway CA, which the agent trusts either way.
 */
async function modelRoundTripBench(o) {
  const caDir = path.join(env.XDG_CONFIG_HOME, 'caiged')
  const tls = path.join(work, 'models-tls')
  fs.mkdirSync(tls)
  execFileSync(
    'openssl',
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-subj',
      '/CN=models.test',
      '-keyout',
      path.join(tls, 'key.pem'),
      '-out',
      path.join(tls, 'host.csr'),
    ]),
    { stdio: 'ignore' },
  )
  fs.writeFileSync(path.join(tls, 'ext.cnf'), 'subjectAltName=DNS:models.test,DNS:tunnel-models.test\n')
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', path.join(tls, 'host.csr'), '-days', '1'].concat(
      [
        '-CA',
        path.join(caDir, 'gateway-ca.crt'),
        '-CAkey',
        path.join(caDir, 'gateway-ca.pem'),
        '-CAcreateserial',
      ],
      ['-extfile', path.join(tls, 'ext.cnf'), '-out', path.join(tls, 'cert.pem')],
    ),
    { stdio: 'ignore' },
  )
  fs.chmodSync(path.join(tls, 'key.pem'), 0o644)
  const logDir = path.join(work, 'model-log')
  fs.mkdirSync(logDir)
  sh(
    'docker',
    ['run', '-d', '--name', `${prefix}-model`, '--network', outward, '--init'].concat(
      ['--network-alias', 'models.test', '--network-alias', 'tunnel-models.test'],
      ['--mount', `type=bind,src=${process.execPath},dst=/usr/local/bin/node,readonly`],
      [
        '--mount',
        `type=bind,src=${path.join(root, 'test', 'fixtures', 'fake-openai-model.mjs')},dst=/fake.mjs,readonly`,
      ],
      ['--mount', `type=bind,src=${tls},dst=/tls,readonly`, '--mount', `type=bind,src=${logDir},dst=/log`],
      [
        '-e',
        'LOG=/log/requests.jsonl',
        '-e',
        'PORT=443',
        '-e',
        'TLS_KEY=/tls/key.pem',
        '-e',
        'TLS_CERT=/tls/cert.pem',
      ],
      [baseImage, 'node', '/fake.mjs'],
    ),
  )
  const provider = (baseURL, apiKey) => ({
    npm: '@ai-sdk/openai-compatible',
    options: { baseURL, apiKey },
    models: { 'fake-model': { name: 'Fake Model' } },
  })
  fs.writeFileSync(
    path.join(o.egressProject, 'opencode.json'),
    JSON.stringify({
      model: 'injected/fake-model',
      small_model: 'injected/fake-model',
      provider: {
        injected: provider('https://models.test/v1', '{env:MODEL_KEY}'),
        tunnelled: provider('https://tunnel-models.test/v1', 'not-a-secret'),
      },
    }),
  )
  // The gateway checks models.test's certificate against the gateway CA too.
  const upstream = path.join(work, 'upstream-ca.pem')
  fs.writeFileSync(
    upstream,
    fs.readFileSync(path.join(o.tlsDir, 'cert.pem'), 'utf8') +
      fs.readFileSync(path.join(caDir, 'gateway-ca.crt'), 'utf8'),
  )
  fs.writeFileSync(o.config, JSON.stringify({ egress: { network: outward, upstreamCA: upstream } }))
  const hosts = ['bighost.test', 'models.test', 'tunnel-models.test'].flatMap((h) => ['--allow-host', h])
  // Made anew with the model's key (another secret is other settings).
  o.dropEgressContainer()
  const { url, name } = JSON.parse(
    sh(
      process.execPath,
      [bin, 'run', o.egressProject, '--spin', 'dev', '--no-connect', '--json', ...hosts].concat([
        '--secret-env',
        'BENCH_KEY@bighost.test',
        '--secret-env',
        'MODEL_KEY@models.test',
      ]),
      {
        env: {
          ...env,
          BENCH_KEY: 'bk-benchmark-key-0123456789abcdef',
          MODEL_KEY: 'mk-model-key-0123456789abcdef',
        },
      },
    ),
  )
  const salt = fs.readFileSync(path.join(caDir, 'salt'), 'utf8').trim()
  const password = createHash('sha256')
    .update(name + salt)
    .digest('hex')
  const authorization = `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}`
  const api = async (p, body) => {
    const r = await fetch(`${url}${p}?directory=%2Fworkspace`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    })
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`)
    return r.json()
  }
  /** One prompt in a session of its own, timed from the message POST to its answer. */
  const turn = async (providerID) => {
    const session = await api('/session', { title: 'bench' })
    const start = process.hrtime.bigint()
    const reply = await api(`/session/${session.id}/message`, {
      model: { providerID, modelID: 'fake-model' },
      parts: [{ type: 'text', text: 'Write the file, then the note outside, then say you are done.' }],
    })
    const took = ms(start)
    if (!reply.parts?.some((p) => p.text === 'Round trip done by the fake model.'))
      throw new Error(`the ${providerID} model's turn did not finish: ${JSON.stringify(reply).slice(0, 500)}`)
    return took
  }
  await turn('tunnelled')
  await turn('injected')
  const tunnelled = []
  const intercepted = []
  for (let i = 0; i < 7; i++) {
    tunnelled.push(await turn('tunnelled'))
    intercepted.push(await turn('injected'))
  }
  // Every request the injected provider made carried the real key: the gateway put it in.
  const asked = fs
    .readFileSync(path.join(logDir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  if (!asked.some((r) => r.authorization === 'Bearer mk-model-key-0123456789abcdef'))
    throw new Error('no model request arrived with the injected key')
  record(
    'a model round trip (prompt, 2 tool calls, answer), key injected (intercepted) vs tunnelled',
    median(intercepted),
    median(tunnelled),
    1.2,
  )
  spawnSync('docker', ['rm', '-f', `${prefix}-model`], { stdio: 'ignore' })
  fs.rmSync(path.join(o.egressProject, 'opencode.json'))
}

/** The state of a container and its exit code, as docker inspect says. */
function stateOf(name) {
  const [status, code] = sh('docker', ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]).split(
    ' ',
  )
  return { status, code: Number(code) }
}
async function untilStopped(name, seconds = 60) {
  const start = Date.now()
  while (stateOf(name).status !== 'exited') {
    if (Date.now() - start > seconds * 1000) throw new Error(`${name} did not stop itself in ${seconds} s`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/**
 * Idle costs nothing: five agents made with a short idle stop, what they (and their gateways) hold
 * while up and once they stopped themselves; and a resume of an idle-stopped agent (`run`, until
 * its server answers) vs the floor under it, `docker start` of its gateway and itself and the same
 * health poll, alternately.
 */
async function idleBench() {
  const made = ['1', '2', '3', '4', '5'].map((i) => {
    const dir = project(`idle${i}`)
    return {
      dir,
      ...JSON.parse(caiged('run', dir, '--spin', 'dev', '--no-connect', '--json', '--idle-stop', '3s')),
    }
  })
  const names = made.flatMap((m) => [m.name, `${m.name}-egress`])
  const held = () =>
    sh('docker', [
      'stats',
      '--no-stream',
      '--format',
      '{{.MemUsage}}',
      ...names.filter((n) => stateOf(n).status === 'running'),
    ])
      .split('\n')
      .filter(Boolean)
      .reduce((sum, line) => sum + mebibytes(line.split(' / ')[0]), 0)
  const before = held()
  for (const m of made) await untilStopped(m.name)
  for (const m of made) await untilStopped(`${m.name}-egress`)
  const codes = made.map((m) => stateOf(m.name).code)
  report(
    'memory of five agents and their gateways, up vs after their idle stop (3s)',
    `${before.toFixed(0)} MiB vs ${names.some((n) => stateOf(n).status === 'running') ? held().toFixed(0) : 0} MiB (exit codes ${[...new Set(codes)].join(',')})`,
  )
  const [first] = made
  const salt = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'caiged', 'salt'), 'utf8').trim()
  const pw = createHash('sha256')
    .update(first.name + salt)
    .digest('hex')
  const resumed = []
  const floor = []
  for (let i = 0; i < 4; i++) {
    await untilStopped(first.name)
    let start = process.hrtime.bigint()
    caiged('run', first.dir, '--spin', 'dev', '--no-connect', '--idle-stop', '3s')
    resumed.push(ms(start))
    await untilStopped(first.name)
    await untilStopped(`${first.name}-egress`)
    start = process.hrtime.bigint()
    sh('docker', ['start', `${first.name}-egress`])
    sh('docker', ['start', first.name])
    sh(process.execPath, ['--input-type=module', '-e', HEALTH_POLL, first.url], { env: { ...env, PW: pw } })
    floor.push(ms(start))
  }
  record(
    'resume of an idle-stopped agent (run) vs docker start + health poll',
    median(resumed),
    median(floor),
    1.2,
  )
  for (const m of made) spawnSync('docker', ['rm', '-f', m.name, `${m.name}-egress`], { stdio: 'ignore' })
}

/** The second machine of .ci/remote-engine.sh: its own engine, reached only over ssh. */
const REMOTE_BIN = '/etc/caiged-ci-remote/bin'
const remoteEnv = {
  ...env,
  PATH: `${REMOTE_BIN}:${env.PATH}`,
  DOCKER_CONTEXT: `${prefix}-far`,
}
/** Whether it answers; waits up to a minute once it was set up (a restart of its engine restarts it). */
function remoteReachable() {
  if (!fs.existsSync(path.join(REMOTE_BIN, 'ssh'))) return false
  for (let i = 0; i < 30; i++) {
    const probe = spawnSync('docker', ['version'], {
      env: { ...remoteEnv, DOCKER_CONTEXT: '', DOCKER_HOST: 'ssh://caiged-ci-remote' },
      stdio: 'ignore',
      timeout: 15_000,
    })
    if (probe.status === 0) return true
    spawnSync('sleep', ['2'])
  }
  throw new Error('the second machine of .ci/remote-engine.sh was set up but does not answer')
}

/**
 * An engine on another machine, through a docker context over ssh: the warm `run --no-connect` and
 * `connect` up to its TUI's start vs node + one `docker container inspect` through the same
 * context (docker's own ssh, a handshake each time), alternately; and the copy of a 100 MB,
 * 10,000-file project there (reported, with the bytes sent).
 */
async function remoteBench(tuiStubEnv, untilTui) {
  sh('docker', ['context', 'create', remoteEnv.DOCKER_CONTEXT, '--docker', 'host=ssh://caiged-ci-remote'])
  // A spin without packages (its build needs nothing from the network there).
  const lite = path.join(env.XDG_CONFIG_HOME, 'caiged', 'spins', 'lite')
  fs.mkdirSync(lite, { recursive: true })
  fs.writeFileSync(path.join(lite, 'AGENTS.md'), '# Lite\n')
  fs.writeFileSync(path.join(lite, 'spin.yaml'), 'description: A spin without packages.\n')
  sh('docker', ['network', 'create', outward], { env: remoteEnv })
  const dir = project('far')
  const far = JSON.parse(
    sh(process.execPath, [bin, 'run', dir, '--spin', 'lite', '--no-connect', '--json'], { env: remoteEnv }),
  )
  const floor = nodeThenDocker('container', 'inspect', far.name)
  const alternate = (argv, argvEnv, time) => {
    time(argv, argvEnv)
    timeOnce(floor, remoteEnv)
    const a = []
    const b = []
    for (let i = 0; i < rounds; i++) {
      a.push(time(argv, argvEnv))
      b.push(timeOnce(floor, remoteEnv))
    }
    return { caiged: median(a), floor: median(b) }
  }
  const warm = alternate(
    [process.execPath, bin, 'run', dir, '--spin', 'lite', '--no-connect'],
    remoteEnv,
    timeOnce,
  )
  record(
    'remote engine (ssh): warm run --no-connect vs node + docker inspect there',
    warm.caiged,
    warm.floor,
    1.5,
  )
  const stubbed = { ...remoteEnv, PATH: `${tuiStubEnv.PATH.split(':')[0]}:${remoteEnv.PATH}` }
  const connect = alternate([process.execPath, bin, 'connect', far.name], stubbed, untilTui)
  record(
    'remote engine (ssh): connect up to the TUI’s start vs node + docker inspect there',
    connect.caiged,
    connect.floor,
    1.5,
  )
  // 100 MB in 10,000 files of random bytes (nothing for tar or ssh to squeeze), not a repository.
  const big = project('farbig')
  for (let i = 0; i < 100; i++) {
    const sub = path.join(big, `d${i}`)
    fs.mkdirSync(sub)
    for (let j = 0; j < 100; j++) fs.writeFileSync(path.join(sub, `f${j}.bin`), crypto.randomBytes(10_000))
  }
  const start = process.hrtime.bigint()
  const out = spawnSync(
    process.execPath,
    [bin, 'run', big, '--spin', 'lite', '--no-connect', '--egress', 'open'],
    {
      env: remoteEnv,
      encoding: 'utf8',
    },
  )
  const total = ms(start)
  const copied = /Copied .* \(([\d.]+) MB in ([\d.]+) s\)/.exec(out.stderr ?? '')
  if (out.status !== 0 || !copied) throw new Error(`the remote copy run failed: ${out.stderr}`)
  report(
    'remote engine (ssh): copy of a 100 MB, 10,000-file project',
    `${copied[1]} MB sent (tar) in ${copied[2]} s; the whole first run ${(total / 1000).toFixed(1)} s`,
  )
}

/** docker's binary sizes ("282.8MiB", "420KiB") in MiB. */
function mebibytes(text) {
  const m = /^([\d.]+)\s*(B|KiB|MiB|GiB)$/.exec(text.trim())
  if (!m) return 0
  return Number(m[1]) * { B: 1 / 1024 ** 2, KiB: 1 / 1024, MiB: 1, GiB: 1024 }[m[2]]
}

function project(name) {
  const dir = path.join(work, 'projects', name)
  fs.mkdirSync(dir, { recursive: true })
  if (process.getuid?.() === 0) fs.chownSync(dir, 1000, 1000)
  return dir
}

try {
  console.error(
    `caiged bench: node ${process.version}, ${os.cpus().length} cores, ${rounds} rounds, OpenCode ${version}`,
  )
  // 1. startup: what caiged adds on top of Node
  const v = compare([process.execPath, bin, '--version'], NODE)
  record('caiged --version vs node -e 0', v.caiged, v.floor, 1.5)

  // setup: the outward network (made here, so the bench's cleanup removes it), three containers
  sh('docker', ['network', 'create', outward])
  const projects = ['one', 'two', 'three'].map(project)
  for (const p of projects) caiged('run', p, '--spin', 'dev', '--no-connect', '--json')
  const first = JSON.parse(caiged('run', projects[0], '--spin', 'dev', '--no-connect', '--json'))

  // 2. containers list --json with 3 containers vs node -e 0 + one docker ps
  const l = compare(
    [process.execPath, bin, 'containers', 'list', '--json'],
    nodeThenDocker('ps', '-a', '--format', 'json'),
  )
  record('containers list --json (3) vs node + docker ps', l.caiged, l.floor, 1.5)

  // 3. warm run --no-connect vs node -e 0 + one docker container inspect, and vs the first caiged's
  // warm path replayed as the docker calls it spawns (original-behaviour.md §2.5, 2.6, 2.9, 2.10:
  // the port inspect, the base and spin image inspects, the running inspect, the session exec), one
  // after another as it made them, from a shell (a Go binary starts in about the time sh does).
  const inspectFloor = nodeThenDocker('container', 'inspect', first.name)
  const warmRun = [process.execPath, bin, 'run', projects[0], '--spin', 'dev', '--no-connect']
  const w = compare(warmRun, inspectFloor)
  record('warm run --no-connect vs node + docker inspect', w.caiged, w.floor, 1.5)
  const goWarmPath = [
    `docker inspect -f '{{(index (index .NetworkSettings.Ports "4096/tcp") 0).HostPort}}' ${first.name}`,
    `docker image inspect ${prefix}:base`,
    `docker image inspect ${prefix}:dev`,
    `docker inspect -f '{{.State.Running}}' ${first.name}`,
    `docker exec ${first.name} sh -c "ls -t /root/.local/share/opencode/storage/session_diff/ses_*.json 2>/dev/null | head -n1"`,
  ]
  // The first caiged built its images as <prefix>:base and <prefix>:<spin>: a base tag for the replay.
  sh('docker', ['tag', `${prefix}:dev`, `${prefix}:base`])
  // Each call as it made them; a call that fails here (an agent behind a gateway publishes no port
  // of its own) costs what it cost there.
  const g = compare(warmRun, [
    'sh',
    '-c',
    `${goWarmPath.map((c) => `${c} >/dev/null 2>&1`).join('; ')}; true`,
  ])
  record('warm run --no-connect vs the Go original’s docker calls', g.caiged, g.floor, 1.0)

  // connect to a ready server, up to the moment the TUI process starts, vs the same floor: an
  // `opencode` stands in for the TUI, answers --version as the real client does, and otherwise
  // writes the moment it started (bash's clock, in microseconds) and exits. The time the TUI runs
  // and caiged takes to exit after it is not the connect's.
  const tuiStub = path.join(work, 'tui-stub')
  const tuiStarted = path.join(work, 'tui-started')
  fs.mkdirSync(tuiStub)
  fs.writeFileSync(
    path.join(tuiStub, 'opencode'),
    `#!/bin/bash\n[ "$1" = --version ] && echo ${version} && exit 0\necho "$EPOCHREALTIME" > ${tuiStarted}\nexit 0\n`,
    { mode: 0o755 },
  )
  const stubEnv = { ...env, PATH: `${tuiStub}:${env.PATH}` }
  /** One connect, from its start to its TUI's (ms; Date.now's truncation can only add to it). */
  const untilTui = (argv, runEnv) => {
    fs.rmSync(tuiStarted, { force: true })
    const start = Date.now()
    timeOnce(argv, runEnv)
    // The decimal point is the locale's.
    return Number(fs.readFileSync(tuiStarted, 'utf8').trim().replace(',', '.')) * 1000 - start
  }
  const c = compare([process.execPath, bin, 'connect', first.name], inspectFloor, rounds, stubEnv, untilTui)
  record('connect up to the TUI’s start vs node + docker inspect', c.caiged, c.floor, 1.5)
  if (remoteReachable()) await remoteBench(stubEnv, untilTui)
  else
    console.error(
      '  (no second machine: the remote-engine benchmarks are skipped; bash .ci/remote-engine.sh)',
    )
  const shim = path.join(work, 'shim')
  const log = path.join(work, 'docker-calls.log')
  fs.mkdirSync(shim)
  const realDocker = sh('sh', ['-c', 'command -v docker'])
  fs.writeFileSync(path.join(shim, 'docker'), `#!/bin/sh\necho "$*" >> ${log}\nexec ${realDocker} "$@"\n`, {
    mode: 0o755,
  })
  sh(process.execPath, [bin, 'run', projects[0], '--spin', 'dev', '--no-connect'], {
    env: { ...env, PATH: `${shim}:${env.PATH}` },
  })
  const calls = fs.readFileSync(log, 'utf8').trim().split('\n').length
  record('warm run: docker processes (count, target ≤ 2)', calls, 2, 1, 'procs')

  // 4. egress: a cold run behind a gateway vs a cold run with egress open (the image and the gateway
  // image present); the memory a gateway adds; a 50 MiB download through it vs straight from the host.
  const testHost = `${prefix}-host`
  // HTTPS too, as nearly all of an agent's traffic is (model APIs, npm, GitHub): a certificate of
  // its own for bighost.test, which the download below does not check (it measures the bytes).
  const tlsDir = path.join(work, 'tls')
  fs.mkdirSync(tlsDir)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=bighost.test',
      '-addext',
      'subjectAltName=DNS:bighost.test',
      '-keyout',
      path.join(tlsDir, 'key.pem'),
      '-out',
      path.join(tlsDir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  fs.chmodSync(path.join(tlsDir, 'key.pem'), 0o644)
  sh('docker', [
    'run',
    '-d',
    '--name',
    testHost,
    '--network',
    outward,
    '--network-alias',
    'bighost.test',
    '--init',
    '--mount',
    `type=bind,src=${process.execPath},dst=/usr/local/bin/node,readonly`,
    '--mount',
    `type=bind,src=${path.join(root, 'test', 'fixtures', 'test-host.mjs')},dst=/host.mjs,readonly`,
    '--mount',
    `type=bind,src=${tlsDir},dst=/tls,readonly`,
    '-e',
    'PORTS=80',
    '-e',
    'TLS_PORTS=443',
    '-e',
    'TLS_KEY=/tls/key.pem',
    '-e',
    'TLS_CERT=/tls/cert.pem',
    '-e',
    'BIG_MB=50',
    baseImage,
    'node',
    '/host.mjs',
  ])
  const egressProject = project('egress')
  const egressName = `${prefix}-dev-projects-egress`
  const dropEgressContainer = () =>
    spawnSync(
      'sh',
      ['-c', `docker rm -f ${egressName} ${egressName}-egress; docker network rm ${egressName}-net`],
      {
        stdio: 'ignore',
      },
    )
  const gated = []
  const open = []
  for (let i = 0; i < 4; i++) {
    for (const [mode, times] of [
      ['balanced', gated],
      ['open', open],
    ]) {
      dropEgressContainer()
      const start = process.hrtime.bigint()
      caiged(
        'run',
        egressProject,
        '--spin',
        'dev',
        '--no-connect',
        '--egress',
        mode,
        '--allow-host',
        'bighost.test',
      )
      if (i > 0) times.push(ms(start))
    }
  }
  record('cold run, egress balanced vs open', median(gated), median(open), 1.3)
  dropEgressContainer()
  caiged('run', egressProject, '--spin', 'dev', '--no-connect', '--allow-host', 'bighost.test')
  await new Promise((r) => setTimeout(r, 3000))
  const gatewayMemory = sh('docker', [
    'stats',
    '--no-stream',
    '--format',
    '{{.MemUsage}}',
    `${egressName}-egress`,
  ])
  report('memory a gateway adds per container (squid + socat, idle)', gatewayMemory.split(' / ')[0])
  // The same client both ways: the Bun runtime inside OpenCode's binary, in the agent's image. Over
  // HTTPS the gateway relays a CONNECT tunnel; plain HTTP it parses and copies in 4 KB pieces,
  // which takes most of a core for 50 MiB (squid's own limit): reported, not gated, as a path an
  // agent's traffic rarely takes, and one whose ratio swings with the machine (1.9 to 4.0 here).
  const download = `const t = performance.now(); const r = await fetch(process.env.URL, { tls: { rejectUnauthorized: false } });
    let n = 0; for await (const c of r.body) n += c.length; if (n !== 50 * 1024 * 1024) throw new Error('short: ' + n);
    console.log(performance.now() - t)`
  for (const scheme of ['https', 'http']) {
    const url = `URL=${scheme}://bighost.test/big`
    const viaProxy = []
    const direct = []
    for (let i = 0; i < 5; i++) {
      viaProxy.push(
        Number(
          sh('docker', ['exec', '-e', 'BUN_BE_BUN=1', '-e', url, egressName, 'opencode', '-e', download]),
        ),
      )
      direct.push(fromOutside(download, url))
    }
    if (scheme === 'https')
      record('50 MiB HTTPS download through the gateway vs direct', median(viaProxy), median(direct), 2)
    else {
      const ratio = (median(viaProxy) / median(direct)).toFixed(2)
      report(
        '50 MiB plain-HTTP download through the gateway vs direct',
        `${median(viaProxy).toFixed(0)} vs ${median(direct).toFixed(0)} ms, ${ratio}`,
      )
    }
  }
  await interceptionBench({ egressProject, egressName, tlsDir, download, dropEgressContainer })
  dropEgressContainer()
  spawnSync('docker', ['rm', '-f', testHost], { stdio: 'ignore' })
  await idleBench()

  // 5a. image size vs the OpenCode binary alone: the dev spin built on what debian:bookworm-slim is
  // (.ci/base-image.sh slim), the base users build on, so its git comes as the Dockerfile installs
  // it (the tests' base has Debian's whole git package, perl and all, to build offline).
  const slimBase = process.env.CAIGED_TEST_SLIM_BASE_IMAGE ?? `${baseImage}-slim`
  const haveSlim = spawnSync('docker', ['image', 'inspect', slimBase], { stdio: 'ignore' }).status === 0
  if (haveSlim) {
    const slimPrefix = `${prefix}slim`
    const slimEnv = { ...env, IMAGE_PREFIX: slimPrefix, CAIGED_BASE_IMAGE: slimBase }
    sh(process.execPath, [bin, 'build', 'dev'], { env: slimEnv })
    const inImage = (...cmd) =>
      sh('docker', ['run', '--rm', '--entrypoint', 'sh', `${slimPrefix}:dev`, '-c', ...cmd])
    const imageBytes = Number(inImage('du -sxb / 2>/dev/null | cut -f1'))
    const binaryBytes = Number(inImage('stat -c %s /usr/local/bin/opencode'))
    const mb = (b) => b / 1e6
    record(
      'spin image size vs binary + 150 MB',
      mb(imageBytes),
      mb(binaryBytes) + 150,
      1,
      'MB',
      `binary ${mb(binaryBytes).toFixed(0)} MB, base ${slimBase}`,
    )
    for (const s of ['base', 'dev']) spawnSync('docker', ['image', 'rm', '-f', `${slimPrefix}:${s}`])
  } else console.error(`  (no ${slimBase}: the image size benchmark is skipped; bash .ci/base-image.sh slim)`)

  // 5b. idle memory of a running container (reported, no target)
  // It has been idle since the setup made it; a moment more for docker stats to settle.
  await new Promise((r) => setTimeout(r, 3000))
  const mem = sh('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', first.name])
  report('idle memory of a running container', mem.split(' / ')[0])

  // 5. cold run from a published image vs cold run with a local build of the same spin (needs the
  // test registry of .ci/registry.sh; the local build starts without build cache only on CI's own
  // engine, where pruning it takes nothing from anyone).
  const registry = `127.0.0.1:5000/${prefix}`
  const haveRegistry = spawnSync('curl', ['-sf', '-o', '/dev/null', 'http://127.0.0.1:5000/v2/']).status === 0
  if (haveRegistry) {
    caiged(
      'bake',
      '--push',
      '--registry',
      registry,
      '--platform',
      'linux/amd64',
      '--opencode-version',
      version,
      'base',
      'dev',
    )
    const pubRef = `${registry}/${prefix}-dev:oc${version}-caiged${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version}`
    const ciEngine = fs.existsSync('/run/docker-ci.pid')
    const coldProject = project('published')
    const coldName = `${prefix}-dev-projects-published`
    const published = []
    const built = []
    const reset = () => {
      spawnSync('docker', ['rm', '-f', coldName], { stdio: 'ignore' })
      spawnSync('docker', ['image', 'rm', '-f', pubRef, `${prefix}:dev`], { stdio: 'ignore' })
    }
    for (let i = 0; i < 2; i++) {
      reset()
      let start = process.hrtime.bigint()
      sh(process.execPath, [bin, 'run', coldProject, '--spin', 'dev', '--no-connect', '--registry', registry])
      published.push(ms(start))
      reset()
      if (ciEngine) sh('docker', ['buildx', 'prune', '-af'])
      start = process.hrtime.bigint()
      caiged('run', coldProject, '--spin', 'dev', '--no-connect')
      built.push(ms(start))
    }
    reset()
    record(
      'cold run from a published image vs with a local build',
      median(published),
      median(built),
      0.3,
      'ms',
      ciEngine ? 'local build without build cache' : 'local build with a warm build cache',
    )
  } else
    console.error(
      '  (no registry on 127.0.0.1:5000: the published-image benchmark is skipped; bash .ci/registry.sh)',
    )

  if (all) {
    // 6. cold start: container absent, image built, until authenticated healthy vs bare docker run + same poll
    const coldProject = project('cold')
    const coldName = `${prefix}-dev-projects-cold`
    const cold = []
    const bare = []
    for (let i = 0; i < Math.max(3, Math.floor(rounds / 3)); i++) {
      spawnSync('docker', ['rm', '-f', coldName], { stdio: 'ignore' })
      let start = process.hrtime.bigint()
      caiged('run', coldProject, '--spin', 'dev', '--no-connect')
      cold.push(ms(start))
      spawnSync('docker', ['rm', '-f', coldName], { stdio: 'ignore' })
      start = process.hrtime.bigint()
      const id = sh(
        'docker',
        [
          'run',
          '-d',
          '--init',
          '-p',
          '127.0.0.1:4999:4096',
          '-e',
          'OPENCODE_SERVER_PASSWORD',
          `${prefix}:dev`,
        ],
        { env: { ...env, OPENCODE_SERVER_PASSWORD: 'bench' } },
      )
      sh(process.execPath, ['--input-type=module', '-e', HEALTH_POLL, 'http://127.0.0.1:4999'], {
        env: { ...env, PW: 'bench' },
      })
      bare.push(ms(start))
      sh('docker', ['rm', '-f', id])
    }
    record('cold run until healthy vs docker run + poll', median(cold), median(bare), 1.2)

    // 7. spin-only rebuild after an AGENTS.md edit vs a cold build --all
    const userDev = path.join(env.XDG_CONFIG_HOME, 'caiged', 'spins', 'dev')
    fs.cpSync(path.join(root, 'spins', 'dev'), userDev, { recursive: true })
    const spinOnly = []
    for (let i = 0; i < 3; i++) {
      fs.appendFileSync(path.join(userDev, 'AGENTS.md'), `\nbench edit ${i}\n`)
      const start = process.hrtime.bigint()
      caiged('build', 'dev')
      spinOnly.push(ms(start))
    }
    fs.rmSync(userDev, { recursive: true })
    const coldPrefix = `${prefix}cold`
    sh('docker', ['buildx', 'prune', '-af'])
    let start = process.hrtime.bigint()
    const buildOut = sh(process.execPath, [bin, 'build', '--all'], {
      env: { ...env, IMAGE_PREFIX: coldPrefix },
    })
    const coldBuild = ms(start)
    const baseRuns = new Set(
      [...buildOut.matchAll(/#(\d+) \[[^\]]*\] RUN set -eu;\s+need=""/g)].map((m) => m[1]),
    ).size
    record(
      'spin-only rebuild vs cold build --all',
      median(spinOnly),
      coldBuild,
      0.1,
      'ms',
      `base built ${baseRuns}× in build --all`,
    )
    for (const s of ['base', 'dev', 'qa', 'security'])
      spawnSync('docker', ['image', 'rm', '-f', `${coldPrefix}:${s}`])
  }
} finally {
  // On the second machine: what this run made there, and its context here.
  if (fs.existsSync(path.join(REMOTE_BIN, 'ssh'))) {
    spawnSync(
      'sh',
      [
        '-c',
        `docker ps -aq --filter name=^${prefix}- | xargs -r docker rm -f; docker volume ls -q --filter name=^${prefix}- | xargs -r docker volume rm -f; docker network ls -q --filter name=^${prefix}- | xargs -r docker network rm; docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^${prefix}:' | xargs -r docker image rm -f`,
      ],
      { stdio: 'ignore', env: { ...remoteEnv, DOCKER_CONTEXT: '', DOCKER_HOST: 'ssh://caiged-ci-remote' } },
    )
  }
  // Everything this run made: its containers, volumes, networks and images (those it built, and
  // those it pulled back from the test registry).
  spawnSync(
    'sh',
    [
      '-c',
      `docker ps -aq --filter name=^${prefix}- | xargs -r docker rm -f; docker volume ls -q --filter name=^${prefix}- | xargs -r docker volume rm -f; docker network ls -q --filter name=^${prefix}- | xargs -r docker network rm; docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^(127\\.0\\.0\\.1:5000/)?${prefix}(slim|cold)?[:/]' | xargs -r docker image rm -f`,
    ],
    { stdio: 'ignore' },
  )
  fs.rmSync(work, { recursive: true, force: true })
}

const fmt = (x, unit) =>
  Number.isNaN(x) ? '' : unit === 'procs' ? String(x) : x.toFixed(unit === 'MB' ? 0 : 0) + ` ${unit}`
console.log('| benchmark | caiged | floor | ratio | target | verdict |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of results) {
  console.log(
    `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${fmt(r.caiged, r.unit)} | ${fmt(r.floor, r.unit)} | ${Number.isNaN(r.ratio) ? '' : r.ratio.toFixed(2)} | ${Number.isNaN(r.target) ? '' : `≤ ${r.target}`} | ${r.verdict} |`,
  )
}
const missed = results.filter((r) => r.verdict === 'MISS')
// Not the 'N passed, N failed' shape: the test suite's closing line is the one CI reads.
console.log(`\nbench: ${missed.length} of ${results.length} benchmarks missed their target by more than 25%`)
process.exit(missed.length ? 1 : 0)
