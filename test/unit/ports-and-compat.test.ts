import { describe, expect, it } from 'vitest'
import { PORT_RANGE, candidatePorts } from '../../src/containers/ports.js'
import { checkClientServerVersions } from '../../src/opencode/compat.js'
import { CaigedError, ExitCode } from '../../src/errors.js'

describe('candidatePorts', () => {
  it('is the whole range 4096..5095 when nothing is taken', () => {
    const ports = candidatePorts([])
    expect(PORT_RANGE).toEqual({ first: 4096, last: 5095 })
    expect(ports).toHaveLength(1000)
    expect(ports[0]).toBe(4096)
    expect(ports.at(-1)).toBe(5095)
    expect(ports).toEqual([...ports].sort((a, b) => a - b))
    expect(new Set(ports).size).toBe(1000)
  })

  it('leaves out every port a container holds, running or stopped', () => {
    const ports = candidatePorts([4096, 4100, 5095])
    expect(ports).toHaveLength(997)
    expect(ports[0]).toBe(4097)
    expect(ports.at(-1)).toBe(5094)
    expect(ports).not.toContain(4100)
  })

  it('takes any iterable, duplicates counted once', () => {
    const ports = candidatePorts(new Set([4097, 4097]))
    expect(ports).toHaveLength(999)
    expect(candidatePorts([4097, 4097, 4097])).toEqual(ports)
    function* taken() {
      yield 4096
      yield 4098
    }
    expect(candidatePorts(taken()).slice(0, 3)).toEqual([4097, 4099, 4100])
  })

  it('ignores taken ports outside the range', () => {
    expect(candidatePorts([80, 4095, 5096, 8080, 65535, 0, -1])).toEqual(candidatePorts([]))
  })

  it('is empty when the whole range is taken', () => {
    expect(candidatePorts(candidatePorts([]))).toEqual([])
  })
})

describe('checkClientServerVersions', () => {
  it('is silent for the same version', () => {
    expect(checkClientServerVersions('1.18.33', '1.18.33', 'caiged-dev-a-b')).toBeUndefined()
  })

  it('is silent for another patch of the same major.minor', () => {
    expect(checkClientServerVersions('1.18.33', '1.18.0', 'caiged-dev-a-b')).toBeUndefined()
    expect(checkClientServerVersions('1.18.0', '1.18.99', 'caiged-dev-a-b')).toBeUndefined()
  })

  it('warns for another minor, naming both versions and the fix', () => {
    const warning = checkClientServerVersions('1.18.33', '1.17.2', 'caiged-dev-a-b')
    expect(warning).toBeTypeOf('string')
    expect(warning).toContain('1.18.33')
    expect(warning).toContain('1.17.2')
    expect(warning).toContain('caiged-dev-a-b')
    expect(warning).toContain('OPENCODE_VERSION=1.18.33')
  })

  it('warns whichever side is newer', () => {
    const warning = checkClientServerVersions('1.17.2', '1.18.33', 'c')
    expect(warning).toContain('OPENCODE_VERSION=1.17.2')
    expect(warning).toContain('1.18.33')
  })

  it('refuses another major with a usage error and a hint', () => {
    let caught: unknown
    try {
      checkClientServerVersions('1.18.33', '2.0.1', 'caiged-dev-a-b')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CaigedError)
    const error = caught as CaigedError
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('1.18.33')
    expect(error.message).toContain('2.0.1')
    expect(error.message).toContain('caiged-dev-a-b')
    expect(error.hint).toBeTypeOf('string')
    expect(error.hint).toContain('OPENCODE_VERSION=1.18.33')
  })

  it('refuses an older major too', () => {
    expect(() => checkClientServerVersions('2.0.0', '1.18.33', 'c')).toThrow(CaigedError)
  })

  it.each([
    ['', '1.18.33'],
    ['1.18.33', ''],
    ['latest', '1.18.33'],
    ['1.18', '2.0.0'],
    ['1.18.33', 'unknown'],
    ['garbage', 'also garbage'],
  ])('says nothing when a version cannot be parsed (%j, %j)', (client, server) => {
    expect(checkClientServerVersions(client, server, 'c')).toBeUndefined()
  })
})
