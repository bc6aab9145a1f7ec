import { afterAll, beforeAll, expect, it } from 'vitest'
import { caiged } from '../support/cli.js'
import { docker } from '../support/docker.js'
import { e2eWorld } from '../support/e2e-env.js'
import { describeEngine, testSlimBaseImage } from '../support/engine.js'

/**
 * The image as users get it: built on a slim Debian (nothing preinstalled), so the Dockerfile itself
 * installs git, ripgrep, ssh and netcat from Debian's packages; git without its perl dependency.
 */
describeEngine('the image on a slim Debian base', () => {
  let world: ReturnType<typeof e2eWorld>
  let image = ''
  const inImage = (script: string, user = 'agent') =>
    docker(['run', '--rm', '--user', user, '--entrypoint', 'sh', image, '-c', script])

  beforeAll(async () => {
    if (docker(['image', 'ls', '-q', testSlimBaseImage]) === '')
      throw new Error(`No ${testSlimBaseImage}: make it with bash .ci/base-image.sh slim.`)
    world = e2eWorld('slim')
    world.env.CAIGED_BASE_IMAGE = testSlimBaseImage
    const built = await caiged(['build', 'dev'], { env: world.env })
    expect(built.exitCode, built.stderr.slice(-3000)).toBe(0)
    image = `${world.prefix}:dev`
  }, 900_000)
  afterAll(() => world?.cleanup())

  it('has a git that works for the agent, without perl beyond perl-base', () => {
    const log = inImage(
      'cd /tmp && git init -q repo && cd repo && echo hi > a && git add a && ' +
        'git -c user.name=A -c user.email=a@example.com commit -q -m first && git log --format=%s && ' +
        'rg --version | head -n1 && command -v ssh && command -v nc',
    )
    expect(log.split('\n')).toEqual([
      'first',
      expect.stringMatching(/^ripgrep \d/),
      '/usr/bin/ssh',
      '/usr/bin/nc',
    ])
    // Debian's git package itself is not registered, and perl's modules never came.
    expect(inImage("dpkg-query -W -f='${db:Status-Status}' git 2>/dev/null || echo absent")).toBe('absent')
    expect(inImage('test -e /usr/share/perl/5.36 && echo perl || echo no-perl')).toBe('no-perl')
    expect(inImage('ls /usr/share/doc/git')).toBe('copyright')
  })

  it('stays within the OpenCode binary + 150 MB', () => {
    const bytes = Number(inImage('du -sxb / 2>/dev/null | cut -f1'))
    const binary = Number(inImage('stat -c %s /usr/local/bin/opencode'))
    expect(bytes - binary).toBeLessThanOrEqual(150e6)
  })

  it('takes Debian’s whole git package when a spin asks for one that needs it', () => {
    const out = inImage(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git-lfs >/dev/null 2>&1; ' +
        "dpkg-query -W -f='${db:Status-Status} ' git perl; git lfs version | cut -d' ' -f1",
      'root',
    )
    expect(out).toMatch(/^installed installed git-lfs\/\d/)
  }, 300_000)
})
