import fs from 'node:fs'
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
