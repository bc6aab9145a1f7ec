import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
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

describe('checkMountScope through symbolic links', () => {
  const roots: string[] = []
  afterEach(() => {
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true })
  })

  /** A home with .ssh and a project, and links to them from elsewhere (real folders on disk). */
  function world() {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'caiged-scope-')))
    roots.push(root)
    const home = path.join(root, 'home', 'u')
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true })
    fs.mkdirSync(path.join(home, 'code', 'app'), { recursive: true })
    const links = path.join(root, 'links')
    fs.mkdirSync(links)
    const link = (name: string, to: string) => {
      fs.symlinkSync(to, path.join(links, name))
      return path.join(links, name)
    }
    const paths = { home, configDir: path.join(home, '.config', 'caiged'), saltFile: '' }
    return { root, home, links, link, paths }
  }

  it.each([
    ['the home folder', (w: ReturnType<typeof world>) => w.link('p', w.home), 'it is your home folder'],
    ['the disk', (w: ReturnType<typeof world>) => w.link('p', '/'), 'it is the whole disk'],
    ['~/.ssh', (w: ReturnType<typeof world>) => w.link('p', path.join(w.home, '.ssh')), 'inside'],
    [
      'a parent that is a link to the home folder',
      (w: ReturnType<typeof world>) => path.join(w.link('h', path.dirname(w.home)), 'u'),
      'it is your home folder',
    ],
  ])('refuses a link to %s, saying where it leads', (_what, make, reason) => {
    const w = world()
    const typed = make(w)
    expect(wideMountReason(typed, w.paths)).toBeUndefined()
    expect(() => checkMountScope(typed, w.paths, false)).toThrow(reason)
    expect(() => checkMountScope(typed, w.paths, false)).toThrow(`${typed} (a link to `)
  })

  it('accepts a link to a project folder, and --allow-wide-mount still lets a link through', () => {
    const w = world()
    expect(() =>
      checkMountScope(w.link('app', path.join(w.home, 'code', 'app')), w.paths, false),
    ).not.toThrow()
    expect(() => checkMountScope(w.link('p', w.home), w.paths, true)).not.toThrow()
  })

  it('follows a home folder that is itself a link', () => {
    const w = world()
    const linkedHome = w.link('home-link', w.home)
    const viaLink = { home: linkedHome, configDir: path.join(linkedHome, '.config', 'caiged'), saltFile: '' }
    expect(() => checkMountScope(w.home, viaLink, false)).toThrow('it is your home folder')
  })
})
