import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { CaigedError, ExitCode } from '../../src/errors.js'
import {
  integrityToSha512Hex,
  opencodePackageFor,
  parseHostVersion,
  resolveOpencodeVersion,
  type VersionInputs,
} from '../../src/opencode/version.js'

describe('parseHostVersion', () => {
  it('reads an exact version, with or without a leading v', () => {
    expect(parseHostVersion('v1.2.15\n')).toBe('1.2.15')
    expect(parseHostVersion('1.18.33')).toBe('1.18.33')
    expect(parseHostVersion('  1.18.33  extra words\n')).toBe('1.18.33')
    expect(parseHostVersion('0.0.0-202601010000\n')).toBe('0.0.0-202601010000')
  })

  it('is undefined for anything else', () => {
    expect(parseHostVersion('opencode 1.2')).toBeUndefined()
    expect(parseHostVersion('opencode 1.2.3')).toBeUndefined()
    expect(parseHostVersion('1.2')).toBeUndefined()
    expect(parseHostVersion('')).toBeUndefined()
    expect(parseHostVersion('\n')).toBeUndefined()
  })
})

function inputs(
  requested: VersionInputs['requested'],
  host: string | undefined,
  registry: (spec: string) => string | undefined = () => '1.18.40',
) {
  const hostVersion = vi.fn(async () => host)
  const resolveFromRegistry = vi.fn(async (spec: string) => registry(spec))
  return { requested, hostVersion, resolveFromRegistry }
}

async function rejection(promise: Promise<unknown>): Promise<CaigedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CaigedError)
  return error as CaigedError
}

describe('resolveOpencodeVersion', () => {
  it('uses an exact version from the flag without asking host or registry', async () => {
    const i = inputs({ value: '1.18.33', source: 'flag' }, '1.2.15')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({ version: '1.18.33', source: 'flag' })
    expect(i.hostVersion).not.toHaveBeenCalled()
    expect(i.resolveFromRegistry).not.toHaveBeenCalled()
  })

  it('strips a leading v and spaces from an exact version', async () => {
    const i = inputs({ value: ' v1.18.33 ', source: 'OPENCODE_VERSION' }, '1.2.15')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({
      version: '1.18.33',
      source: 'OPENCODE_VERSION',
    })
    expect(i.resolveFromRegistry).not.toHaveBeenCalled()
  })

  it('resolves OPENCODE_VERSION=latest against the registry', async () => {
    const i = inputs({ value: 'latest', source: 'OPENCODE_VERSION' }, '1.2.15')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({
      version: '1.18.40',
      source: 'OPENCODE_VERSION',
    })
    expect(i.resolveFromRegistry).toHaveBeenCalledExactlyOnceWith('latest')
    expect(i.hostVersion).not.toHaveBeenCalled()
  })

  it('resolves a range against the registry', async () => {
    const i = inputs({ value: '^1.18', source: 'OPENCODE_VERSION' }, '1.2.15', () => '1.18.99')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({
      version: '1.18.99',
      source: 'OPENCODE_VERSION',
    })
    expect(i.resolveFromRegistry).toHaveBeenCalledExactlyOnceWith('^1.18')
    expect(i.hostVersion).not.toHaveBeenCalled()
  })

  it('refuses a spec that is no version, range or "latest" as a usage error', async () => {
    const i = inputs({ value: 'banana', source: 'flag' }, '1.2.15')
    const error = await rejection(resolveOpencodeVersion(i))
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('banana')
    expect(error.hint).toMatch(/latest/)
    expect(i.resolveFromRegistry).not.toHaveBeenCalled()
    expect(i.hostVersion).not.toHaveBeenCalled()
  })

  it('fails with NotFound when no release matches a range', async () => {
    const i = inputs({ value: '^99', source: 'flag' }, '1.2.15', () => undefined)
    const error = await rejection(resolveOpencodeVersion(i))
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.exitCode).toBe(5)
    expect(error.message).toContain('^99')
  })

  it("uses the host client's version when nothing is requested", async () => {
    const i = inputs(undefined, '1.2.15')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({ version: '1.2.15', source: 'host opencode' })
    expect(i.hostVersion).toHaveBeenCalledOnce()
    expect(i.resolveFromRegistry).not.toHaveBeenCalled()
  })

  it('treats a blank request as none', async () => {
    const i = inputs({ value: '   ', source: 'OPENCODE_VERSION' }, '1.2.15')
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({ version: '1.2.15', source: 'host opencode' })
  })

  it("falls back to the registry's latest without a host client", async () => {
    const i = inputs(undefined, undefined, (spec) => (spec === 'latest' ? '1.18.40' : undefined))
    await expect(resolveOpencodeVersion(i)).resolves.toEqual({
      version: '1.18.40',
      source: 'registry latest',
    })
    expect(i.resolveFromRegistry).toHaveBeenCalledExactlyOnceWith('latest')
  })

  it('fails when neither host nor registry know a version', async () => {
    const i = inputs(undefined, undefined, () => undefined)
    const error = await rejection(resolveOpencodeVersion(i))
    expect(error.message).toMatch(/latest OpenCode version/)
  })
})

describe('opencodePackageFor', () => {
  it('picks the npm platform package for the architecture', () => {
    expect(opencodePackageFor('amd64', true)).toBe('opencode-linux-x64')
    expect(opencodePackageFor('amd64', false)).toBe('opencode-linux-x64-baseline')
    expect(opencodePackageFor('arm64', true)).toBe('opencode-linux-arm64')
    expect(opencodePackageFor('arm64', false)).toBe('opencode-linux-arm64')
  })

  it('refuses an architecture OpenCode has no build for', () => {
    expect(() => opencodePackageFor('s390x', true)).toThrow(CaigedError)
    expect(() => opencodePackageFor('s390x', true)).toThrow(/s390x/)
    expect(() => opencodePackageFor('x86_64', true)).toThrow(CaigedError)
  })
})

describe('integrityToSha512Hex', () => {
  it("turns npm's sha512 integrity into sha512sum's hex digest", () => {
    const bytes = Buffer.from('the opencode tarball bytes\n')
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`
    const hex = createHash('sha512').update(bytes).digest('hex')
    expect(integrityToSha512Hex(integrity)).toBe(hex)
    expect(integrityToSha512Hex(` ${integrity}\n`)).toBe(hex)
    expect(hex).toHaveLength(128)
  })

  it('refuses other algorithms and malformed integrity strings', () => {
    const sha1 = `sha1-${createHash('sha1').update('x').digest('base64')}`
    expect(() => integrityToSha512Hex(sha1)).toThrow(CaigedError)
    expect(() => integrityToSha512Hex('sha512-not base64!')).toThrow(CaigedError)
    expect(() => integrityToSha512Hex('')).toThrow(CaigedError)
  })
})
