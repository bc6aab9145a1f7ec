import { describe, expect, it } from 'vitest'
import { checkMountScope, wideMountReason } from '../../src/host/mount-scope.js'

const p = { home: '/home/u', configDir: '/home/u/.config/caiged', saltFile: '/home/u/.config/caiged/salt' }

describe('wideMountReason', () => {
  it.each([
    ['/', 'it is the whole disk'],
    ['/home/u', 'it is your home folder'],
    ['/home/u/', 'it is your home folder'],
    ['/home', 'it holds your home folder'],
    ['/home/u/code/..', 'it is your home folder'],
    ['/home/u/.ssh', 'it holds or is inside /home/u/.ssh'],
    ['/home/u/.aws/cli', 'it holds or is inside /home/u/.aws'],
    ['/home/u/.config', "it holds caiged's config and salt (/home/u/.config/caiged)"],
    ['/home/u/.config/caiged', "it holds caiged's config and salt (/home/u/.config/caiged)"],
    ['/home/u/.gnupg', 'it holds or is inside /home/u/.gnupg'],
  ])('refuses %s: %s', (dir, reason) => {
    expect(wideMountReason(dir, p)).toBe(reason)
  })

  it.each(['/home/u/code/app', '/srv/projects/x', '/home/u/.sshkeys-notes', '/tmp/p'])(
    'accepts the project folder %s',
    (dir) => {
      expect(wideMountReason(dir, p)).toBeUndefined()
    },
  )

  it('keeps caiged’s config safe when XDG_CONFIG_HOME is outside HOME', () => {
    const xdg = { ...p, configDir: '/srv/cfg/caiged', saltFile: '/srv/cfg/caiged/salt' }
    expect(wideMountReason('/srv/cfg', xdg)).toBe("it holds caiged's config and salt (/srv/cfg/caiged)")
    expect(wideMountReason('/srv/projects', xdg)).toBeUndefined()
  })
})

describe('checkMountScope', () => {
  it('is a usage error in one sentence with the flag that overrides it', () => {
    expect(() => checkMountScope('/home/u', p, false)).toThrow(
      "Refusing to mount /home/u into the agent's container read-write: it is your home folder.",
    )
    try {
      checkMountScope('/', p, false)
    } catch (error) {
      expect(error).toMatchObject({ exitCode: 2, hint: expect.stringContaining('--allow-wide-mount') })
    }
  })

  it('lets it through when asked with --allow-wide-mount', () => {
    expect(() => checkMountScope('/home/u', p, true)).not.toThrow()
  })
})
