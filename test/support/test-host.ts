import fs from 'node:fs'
import path from 'node:path'
import { repoRoot } from './cli.js'
import { docker } from './docker.js'
import { testBaseImage } from './engine.js'

/** One request a test host saw (test/fixtures/test-host.mjs logs them). */
export interface Reached {
  port: number
  host: string
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
}): { reached: () => Reached[] } {
  const logDir = path.join(o.root, `${o.name}-log`)
  fs.mkdirSync(logDir)
  const tls = o.tls
    ? [
        '--mount',
        `type=bind,src=${o.tls},dst=/tls,readonly`,
        '-e',
        'TLS_KEY=/tls/key.pem',
        '-e',
        'TLS_CERT=/tls/cert.pem',
      ]
    : []
  docker([
    'run',
    '-d',
    '--name',
    o.name,
    '--network',
    o.network,
    ...o.aliases.flatMap((a) => ['--network-alias', a]),
    '--init',
    ...['--mount', `type=bind,src=${process.execPath},dst=/usr/local/bin/node,readonly`],
    ...[
      '--mount',
      `type=bind,src=${path.join(repoRoot, 'test', 'fixtures', 'test-host.mjs')},dst=/host.mjs,readonly`,
    ],
    ...['--mount', `type=bind,src=${logDir},dst=/log`, '-e', 'LOG=/log/requests.jsonl'],
    ...['-e', `PORTS=${o.ports.join(',')}`, '-e', `TLS_PORTS=${(o.tlsPorts ?? []).join(',')}`],
    ...tls,
    testBaseImage,
    'node',
    '/host.mjs',
  ])
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
