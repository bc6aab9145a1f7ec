import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine } from '../support/engine.js'

/** A Debian package that neither the test base nor the dev spin installs. */
const EXTRA = 'tree'

describeEngine('project config packages: an image of the project’s own, no other project’s', () => {
  let world: ReturnType<typeof e2eWorld>
  const run = async (dir: string) => {
    const result = await caiged(['run', dir, '--spin', 'dev', '--no-connect', '--json', '--egress', 'open'], {
      env: world.env,
    })
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0)
    return JSON.parse(result.stdout) as { name: string; action: string }
  }
  const imageOf = (name: string) => docker(['inspect', '--format', '{{.Config.Image}}', name])
  let withPackages = ''
  let plain = ''

  beforeAll(() => {
    world = e2eWorld('pkg')
    withPackages = world.project('tools')
    fs.mkdirSync(path.join(withPackages, '.caiged'))
    fs.writeFileSync(
      path.join(withPackages, '.caiged', 'config.json'),
      JSON.stringify({ packages: [EXTRA, 'jq'] }),
    )
    plain = world.project('plain')
  })
  afterAll(() => world?.cleanup())

  it('installs the project’s packages in an image tagged by the package set', async () => {
    const { name, action } = await run(withPackages)
    expect(action).toBe('created')
    expect(imageOf(name)).toMatch(new RegExp(`^${world.prefix}:dev\\.pkg-[0-9a-f]{12}$`))
    expect(docker(['exec', name, 'sh', '-c', `command -v ${EXTRA}`])).toBe(`/usr/bin/${EXTRA}`)
    // The spin's own packages are still there.
    expect(docker(['exec', name, 'sh', '-c', 'command -v make'])).toBe('/usr/bin/make')
    // Current as built: a second run reuses it.
    expect((await run(withPackages)).action).toBe('reused')
    const outdated = await caiged(['containers', 'outdated', '--json'], { env: world.env })
    expect(outdated.exitCode, outdated.stderr).toBe(0)
    expect(JSON.parse(outdated.stdout)).toContainEqual(expect.objectContaining({ name, reasons: [] }))
  }, 600_000)

  it('leaves another project on the spin’s own image, without them', async () => {
    const { name } = await run(plain)
    expect(imageOf(name)).toBe(`${world.prefix}:dev`)
    expect(() => docker(['exec', name, 'sh', '-c', `command -v ${EXTRA}`])).toThrow()
  }, 600_000)

  it('names a package that is not a Debian package name, and makes nothing', async () => {
    const bad = world.project('bad')
    fs.mkdirSync(path.join(bad, '.caiged'))
    fs.writeFileSync(
      path.join(bad, '.caiged', 'config.json'),
      JSON.stringify({ packages: ['tree; rm -rf /'] }),
    )
    const result = await caiged(['run', bad, '--spin', 'dev', '--no-connect', '--egress', 'open'], {
      env: world.env,
    })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/packages\.0.*Debian package name/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(docker(['ps', '-a', '-q', '--filter', `label=io.caiged.workdir=${bad}`])).toBe('')
  }, 60_000)
})
