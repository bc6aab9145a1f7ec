import { describe, expect, it } from 'vitest'
import {
  MAX_NAME_LENGTH,
  containerName,
  deriveProjectName,
  imagePrefix,
  slugify,
} from '../../src/containers/naming.js'
import { networkName } from '../../src/containers/request.js'
import { gatewayName } from '../../src/egress/names.js'
import { CaigedError } from '../../src/errors.js'
import { fitHostname } from '../../src/hostname.js'

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

describe('names derived from an agent', () => {
  const long = containerName('dev', `${'x'.repeat(80)}-a`)

  it('keep the gateway and network within a hostname label, readable and distinct', () => {
    expect(long.length).toBe(MAX_NAME_LENGTH)
    for (const derived of [gatewayName(long), networkName(long)]) {
      expect(derived.length).toBeLessThanOrEqual(MAX_NAME_LENGTH)
      expect(derived).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/)
    }
    expect(gatewayName(long)).toMatch(/-egress$/)
    expect(networkName(long)).toMatch(/-net$/)
    expect(gatewayName(long)).not.toBe(gatewayName(containerName('dev', `${'x'.repeat(80)}-b`)))
  })

  it('are unchanged when they fit, so existing gateways and networks keep their names', () => {
    expect(gatewayName('caiged-dev-code-app')).toBe('caiged-dev-code-app-egress')
    expect(networkName('caiged-dev-code-app')).toBe('caiged-dev-code-app-net')
  })

  it('cut only what does not fit, on a name just over the limit', () => {
    const agent = `caiged-dev-${'y'.repeat(46)}`
    expect(`${agent}-egress`.length).toBe(MAX_NAME_LENGTH + 1)
    expect(fitHostname(agent, '-egress')).toMatch(/^caiged-dev-y+-[0-9a-f]{8}-egress$/)
    expect(fitHostname(agent, '-egress').length).toBe(MAX_NAME_LENGTH)
  })
})
