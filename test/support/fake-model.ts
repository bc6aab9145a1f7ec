import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from './cli.js'
import { docker } from './docker.js'
import { testBaseImage } from './engine.js'
import { runFixture } from './test-host.js'

/** A project's opencode.json that points OpenCode at the scripted model (test/fixtures/fake-openai-model.mjs). */
export function fakeModelOpencodeJson(baseURL: string, apiKey: string): string {
  return JSON.stringify({
    $schema: 'https://opencode.ai/config.json',
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL, apiKey },
        models: { 'fake-model': { name: 'Fake Model' } },
      },
    },
  })
}

/**
 * The scripted model in a container of the local base image, run by the host's node, on `network`
 * under `aliases`; plain HTTP on `port`, or HTTPS with the key.pem/cert.pem of `tls`. It logs each
 * request to `logDir`/requests.jsonl. Its name should carry the world's prefix (its cleanup removes it).
 */
export function startFakeModel(o: {
  name: string
  network: string
  aliases?: string[]
  logDir: string
  port: number
  tls?: string
  /** Each chat answer waits this long before it starts (a slow model). */
  delayMs?: number
}): void {
  fs.mkdirSync(o.logDir, { recursive: true })
  runFixture({
    ...o,
    fixture: 'fake-openai-model.mjs',
    args: ['-e', `PORT=${o.port}`, '-e', `DELAY_MS=${o.delayMs ?? 0}`],
  })
}

/**
 * The scripted model on another engine (`env` selects it: DOCKER_HOST or DOCKER_CONTEXT), which
 * can't mount this machine's files: an image of the local base with this node and the fixture,
 * built there (once: the same content is a cache hit), run on `network` there.
 */
export function startFakeModelOn(
  env: Record<string, string>,
  o: { name: string; network: string; port: number },
): void {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-e2e-model-'))
  try {
    fs.copyFileSync(process.execPath, path.join(context, 'node'))
    fs.copyFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'fake-openai-model.mjs'),
      path.join(context, 'fixture.mjs'),
    )
    fs.writeFileSync(
      path.join(context, 'Dockerfile'),
      `FROM ${testBaseImage}\nCOPY node /usr/local/bin/node\nCOPY fixture.mjs /fixture.mjs\n`,
    )
    docker(['build', '-q', '-t', 'caiged-e2e/fake-model', context], { env })
  } finally {
    fs.rmSync(context, { recursive: true, force: true })
  }
  docker(
    [
      'run',
      '-d',
      '--name',
      o.name,
      '--network',
      o.network,
      '--init',
      '-e',
      `PORT=${o.port}`,
      'caiged-e2e/fake-model',
    ].concat(['node', '/fixture.mjs']),
    { env },
  )
}
