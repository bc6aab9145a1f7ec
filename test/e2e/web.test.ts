import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caiged, caigedBin } from '../support/cli.js'
import { e2eWorld } from '../support/e2e-env.js'
import { e2eRequired, engineProblem } from '../support/engine.js'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = fs.existsSync(CHROMIUM)
if (!haveChromium && e2eRequired)
  throw new Error(`CAIGED_E2E=1 but there is no ${CHROMIUM} (apt-get install chromium)`)
if (!haveChromium) console.warn(`[caiged] web UI tests SKIPPED: no ${CHROMIUM}`)

/** OpenCode's own web UI through caiged web's relay, in Debian's headless Chromium. */
describe.skipIf(engineProblem !== undefined || !haveChromium)(
  'caiged web: the web UI in a real browser, admitted once',
  () => {
    let world: ReturnType<typeof e2eWorld>
    let name = ''
    const relays: ChildProcess[] = []

    /** `caiged web NAME --no-open --json`, serving until it is stopped (by its PID). */
    const startWeb = async (): Promise<string> => {
      const child = spawn(process.execPath, [caigedBin, 'web', name, '--no-open', '--json'], {
        env: { ...process.env, ...world.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      relays.push(child)
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`caiged web exited ${code}`)))
      })
      return (JSON.parse(line) as { url: string }).url
    }
    /** Chromium as the probe of this machine kind runs it: headless, no background networking. */
    const chromium = (args: string[]) =>
      new Promise<string>((resolve) => {
        const profile = fs.mkdtempSync(path.join(world.root, 'chromium-'))
        const child = spawn(
          CHROMIUM,
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            `--user-data-dir=${profile}`,
            '--window-size=1280,800',
            '--virtual-time-budget=15000',
            ...args,
          ],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        )
        let out = ''
        child.stdout.on('data', (c) => (out += c))
        child.on('exit', () => resolve(out))
      })

    beforeAll(async () => {
      world = e2eWorld('web')
      const result = await caiged(['run', world.project('site'), '--spin', 'dev', '--no-connect', '--json'], {
        env: world.env,
      })
      expect(result.exitCode, result.stderr).toBe(0)
      name = (JSON.parse(result.stdout) as { name: string }).name
    }, 600_000)
    afterAll(() => {
      for (const r of relays) if (r.pid && r.exitCode === null) process.kill(r.pid, 'SIGTERM')
      world?.cleanup()
    })

    it('loads the web UI on the workspace, with the spin’s agent, in headless Chromium', async () => {
      const url = await startWeb()
      const password = world.password(name)
      // The link holds a single-use token, never the password.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__caiged\/admit\/[\w-]{43}$/)
      expect(url).not.toContain(password)
      const dom = await chromium(['--dump-dom', url])
      expect(dom).toContain('<title>OpenCode</title>')
      expect(dom).toContain('Ask anything')
      expect(dom).toMatch(/>\s*dev\s*</i)
    }, 120_000)

    it('renders it: a screenshot of the workspace page', async () => {
      const shot = path.join(world.root, 'web-ui.png')
      // On a loaded machine headless Chromium may shoot before the UI has painted (a 7 KB frame was
      // seen in CI): up to three tries, each with a new link (a link admits once).
      let png = Buffer.alloc(0)
      for (let attempt = 0; attempt < 3 && png.length <= 10_000; attempt++) {
        await chromium([`--screenshot=${shot}`, await startWeb()])
        png = fs.readFileSync(shot)
      }
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800])
      // A blank page compresses to a few hundred bytes; the rendered UI (logo, prompt box) is more.
      expect(png.length).toBeGreaterThan(10_000)
      console.log(`[caiged] web UI screenshot: ${shot} (${png.length} bytes)`)
    }, 120_000)

    it('refuses a request without the admission, and the link a second time', async () => {
      const url = await startWeb()
      const origin = new URL(url).origin
      const bare = await fetch(`${origin}/`)
      expect(bare.status).toBe(403)
      expect(await bare.text()).toContain('not admitted')
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(303)
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(403)
    }, 60_000)
  },
)
