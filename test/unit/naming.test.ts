import { describe, expect, it } from 'vitest'
import {
  MAX_NAME_LENGTH,
  containerName,
  deriveProjectName,
  imagePrefix,
  slugify,
} from '../../src/containers/naming.js'
import { CaigedError } from '../../src/errors.js'

describe('deriveProjectName (the original examples)', () => {
  it.each([
    ['/a/b', 'a-b'],
    ['/one/two/three', 'two-three'],
    ['project', 'project'],
    ['/project', 'project'],
    ['/', 'workspace'],
    ['/a/b/', 'a-b'],
    ['/a//b/./c/', 'b-c'],
  ])('%s → %s', (input, expected) => {
    expect(deriveProjectName(input)).toBe(expected)
  })
})

describe('slugify (the original rules)', () => {
  it.each([
    ['My Project', 'my-project'],
    ['proj@123!', 'proj-123'],
    ['--..Name', 'name'],
    ['!!!', 'workspace'],
    ['', 'workspace'],
    ['Müller', 'm-ller'],
    ['a@@b', 'a--b'],
    ['dev-code-my_app.v2', 'dev-code-my_app.v2'],
    ['_x_', 'x'],
  ])('%j → %j', (input, expected) => {
    expect(slugify(input)).toBe(expected)
  })
})

describe('containerName', () => {
  it('is <prefix>-<slug(spin-project)>', () => {
    expect(containerName('dev', 'code-my-app')).toBe('caiged-dev-code-my-app')
    expect(containerName('QA', 'My Project', 'box')).toBe('box-qa-my-project')
  })

  it('caps long names at a hostname label with a hash suffix, without collisions', () => {
    const a = containerName('dev', `${'x'.repeat(80)}-a`)
    const b = containerName('dev', `${'x'.repeat(80)}-b`)
    expect(a.length).toBeLessThanOrEqual(MAX_NAME_LENGTH)
    expect(b.length).toBeLessThanOrEqual(MAX_NAME_LENGTH)
    expect(a).not.toBe(b)
    expect(a).toMatch(/^caiged-dev-x+-[0-9a-f]{8}$/)
  })

  it('keeps names that fit unchanged, and shortened names end alphanumeric before the hash', () => {
    const fits = containerName('dev', 'y'.repeat(63 - 'caiged-dev-'.length))
    expect(fits.length).toBe(63)
    expect(fits).toBe(`caiged-dev-${'y'.repeat(52)}`)
    const cut = containerName('dev', `${'y'.repeat(40)}----------------------zz`)
    expect(cut).toMatch(/^caiged-dev-y+-[0-9a-f]{8}$/)
  })
})

describe('imagePrefix', () => {
  it('defaults to caiged and honours IMAGE_PREFIX', () => {
    expect(imagePrefix({})).toBe('caiged')
    expect(imagePrefix({ IMAGE_PREFIX: 'mybox' })).toBe('mybox')
  })

  it.each(['My Box', '../x', 'a/b', '-x', 'x'.repeat(31)])('refuses %j', (bad) => {
    expect(() => imagePrefix({ IMAGE_PREFIX: bad })).toThrow(CaigedError)
  })
})
