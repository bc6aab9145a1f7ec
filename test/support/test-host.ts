import fs from 'node:fs'
import path from 'node:path'
import { repoRoot } from './cli.js'
import { docker } from './docker.js'
import { testBaseImage } from './engine.js'

/** One request a test host saw (test/fixtures/test-host.mjs logs them). */
export interface Reached {
  port: number
  host: string
  method: string
  url: string
  authorization?: string
  apiKey?: string
}

/**
 * "The internet" of an egress test: test/fixtures/test-host.mjs run by the host's node in a
 * container of the local base image, on the test's own outward network under the names given
 * (only its network alias knows them), plain HTTP on `ports` and HTTPS on `tlsPorts` with the
 * certificate in `tls` (a folder holding key.pem and cert.pem). Its name carries the world's prefix,
 * so the world's cleanup removes it.
 */
export function startTestHost(o: {
  name: string
  network: string
  aliases: string[]
  root: string
  ports: number[]
  tlsPorts?: number[]
  tls?: string
  /** A folder of bare repositories (OWNER/REPO.git) served as git's smart HTTP. */
  gitRoot?: string
}): { reached: () => Reached[] } {
  const logDir = path.join(o.root, `${o.name}-log`)
  fs.mkdirSync(logDir)
  runFixture({
    ...o,
    fixture: 'test-host.mjs',
    logDir,
    args: [
      ...['-e', `PORTS=${o.ports.join(',')}`, '-e', `TLS_PORTS=${(o.tlsPorts ?? []).join(',')}`],
      ...(o.gitRoot ? ['--mount', `type=bind,src=${o.gitRoot},dst=/git`, '-e', 'GIT_ROOT=/git'] : []),
    ],
  })
  const log = path.join(logDir, 'requests.jsonl')
  return {
    reached: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Reached)
        : [],
  }
}

/**
 * A script of test/fixtures run by the host's node in a container of the local base image, on
 * `network` under `aliases`, logging to `logDir`/requests.jsonl; with `tls`, the key.pem and
 * cert.pem there as $TLS_KEY and $TLS_CERT. `args`: more of docker run's options.
 */
export function runFixture(o: {
  name: string
  network: string
  aliases?: string[]
  fixture: string
  logDir: string
  tls?: string
  args?: string[]
}): void {
  const tls = o.tls
    ? ['--mount', `type=bind,src=${o.tls},dst=/tls,readonly`, '-e', 'TLS_KEY=/tls/key.pem']
    : []
  docker([
    'run',
    '-d',
    ...['--name', o.name, '--network', o.network, '--init'],
    ...(o.aliases ?? []).flatMap((a) => ['--network-alias', a]),
    ...['--mount', `type=bind,src=${process.execPath},dst=/usr/local/bin/node,readonly`],
    ...[
      '--mount',
      `type=bind,src=${path.join(repoRoot, 'test', 'fixtures', o.fixture)},dst=/fixture.mjs,readonly`,
    ],
    ...['--mount', `type=bind,src=${o.logDir},dst=/log`, '-e', 'LOG=/log/requests.jsonl'],
    ...(o.tls ? [...tls, '-e', 'TLS_CERT=/tls/cert.pem'] : []),
    ...(o.args ?? []),
    testBaseImage,
    'node',
    '/fixture.mjs',
  ])
}
