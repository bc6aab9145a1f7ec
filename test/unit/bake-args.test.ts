import { describe, expect, it } from 'vitest'
import { lostSnapshot } from '../../src/images/bake.js'
import {
  bakeArgs,
  cacheForTarget,
  bakeHasFsEntitlements,
  BakePrintSchema,
  localCacheDir,
  type BakeInvocation,
} from '../../src/bake/bake-args.js'

describe('bakeHasFsEntitlements', () => {
  it('is false before buildx 0.17', () => {
    expect(bakeHasFsEntitlements('0.13.1')).toBe(false)
    expect(bakeHasFsEntitlements('0.16.2')).toBe(false)
    expect(bakeHasFsEntitlements('v0.16.99-desktop.1')).toBe(false)
  })

  it('is true from buildx 0.17 on, whatever the suffix', () => {
    expect(bakeHasFsEntitlements('0.17.0')).toBe(true)
    expect(bakeHasFsEntitlements('0.29.1+ds1')).toBe(true)
    expect(bakeHasFsEntitlements('v0.19.3-desktop.1')).toBe(true)
    expect(bakeHasFsEntitlements('1.0.0')).toBe(true)
  })

  it('is false for an unreadable version', () => {
    expect(bakeHasFsEntitlements('')).toBe(false)
    expect(bakeHasFsEntitlements('unknown')).toBe(false)
  })
})

describe('bakeArgs', () => {
  const build: BakeInvocation = {
    files: ['bake/docker-bake.hcl', '/tmp/work/spins.hcl'],
    targets: ['base', 'spin-dev', 'spin-qa'],
    buildxVersion: '0.29.1',
    load: true,
    builder: 'b',
    progress: 'plain',
    cacheFrom: ['type=local,src=/c'],
    cacheTo: ['type=local,dest=/c,mode=max'],
    cacheTargets: ['base', 'spin-dev'],
    sets: ['*.platform=linux/amd64'],
    readDirs: ['/tmp/work', '/cache/pkg', '/tmp/work'],
    readWriteDirs: ['/c', '/c'],
  }

  it('builds the full argv for buildx 0.29', () => {
    expect(bakeArgs(build)).toEqual([
      'buildx',
      'bake',
      '--builder',
      'b',
      '-f',
      'bake/docker-bake.hcl',
      '-f',
      '/tmp/work/spins.hcl',
      '--load',
      '--progress',
      'plain',
      '--allow',
      'fs.read=/tmp/work',
      '--allow',
      'fs.read=/cache/pkg',
      '--allow',
      'fs=/c',
      '--set',
      'base.cache-from=type=local,src=/c/base',
      '--set',
      'base.cache-to=type=local,dest=/c/base,mode=max',
      '--set',
      'spin-dev.cache-from=type=local,src=/c/spin-dev',
      '--set',
      'spin-dev.cache-to=type=local,dest=/c/spin-dev,mode=max',
      '--set',
      '*.platform=linux/amd64',
      'base',
      'spin-dev',
      'spin-qa',
    ])
  })

  it('grants each folder once', () => {
    const args = bakeArgs(build)
    expect(args.filter((a) => a === 'fs.read=/tmp/work')).toHaveLength(1)
    expect(args.filter((a) => a === 'fs=/c')).toHaveLength(1)
  })

  it('puts --builder right after bake and the targets last', () => {
    const args = bakeArgs(build)
    expect(args.slice(0, 4)).toEqual(['buildx', 'bake', '--builder', 'b'])
    expect(args.slice(-3)).toEqual(build.targets)
  })

  it('passes no --allow to buildx 0.13', () => {
    const args = bakeArgs({ ...build, buildxVersion: '0.13.1' })
    expect(args).not.toContain('--allow')
    expect(args.some((a) => a.startsWith('fs'))).toBe(false)
    expect(args).toEqual(bakeArgs(build).filter((a, i, all) => a !== '--allow' && all[i - 1] !== '--allow'))
  })

  it('passes neither --allow nor --progress when printing', () => {
    const args = bakeArgs({ ...build, print: true })
    expect(args).toContain('--print')
    expect(args).not.toContain('--allow')
    expect(args).not.toContain('--progress')
    expect(args.slice(-3)).toEqual(build.targets)
  })

  it('is minimal without options', () => {
    expect(bakeArgs({ files: ['f.hcl'], targets: [], buildxVersion: '0.29.1' })).toEqual([
      'buildx',
      'bake',
      '-f',
      'f.hcl',
    ])
  })

  it('pushes instead of loading', () => {
    const args = bakeArgs({ files: ['f.hcl'], targets: ['t'], buildxVersion: '0.29.1', push: true })
    expect(args).toEqual(['buildx', 'bake', '-f', 'f.hcl', '--push', 't'])
  })
})

describe('localCacheDir', () => {
  it('reads the folder of a local cache', () => {
    expect(localCacheDir('type=local,dest=/c,mode=max')).toBe('/c')
    expect(localCacheDir('type=local,src=/cache/dir')).toBe('/cache/dir')
    expect(localCacheDir('src=/x,type=local')).toBe('/x')
  })

  it('is undefined for other cache types', () => {
    expect(localCacheDir('type=registry,ref=ghcr.io/me/cache')).toBeUndefined()
    expect(localCacheDir('type=gha')).toBeUndefined()
    expect(localCacheDir('user/app:cache')).toBeUndefined()
  })

  it('is undefined for a local cache without a folder', () => {
    expect(localCacheDir('type=local')).toBeUndefined()
  })
})

describe('BakePrintSchema', () => {
  const print029 = {
    group: { default: { targets: ['base'] }, spins: { targets: ['spin-dev'] } },
    target: {
      base: {
        context: 'docker',
        dockerfile: 'Dockerfile',
        args: { OPENCODE_VERSION: '1.18.33' },
        labels: { 'io.caiged.version': '0.1.0' },
        tags: ['caiged:base'],
        target: 'base',
        attest: [{ disabled: true, type: 'provenance' }],
        'cache-from': [{ type: 'local', src: '/c' }],
        'cache-to': [{ type: 'local', dest: '/c', mode: 'max' }],
        output: [{ type: 'docker' }],
      },
      'spin-dev': {
        context: 'docker',
        dockerfile: 'Dockerfile.spin',
        contexts: { base: 'target:base', spin: '/tmp/work/spin-dev' },
        platforms: ['linux/amd64'],
        attest: [{ type: 'provenance', disabled: true }],
      },
    },
  }
  const print013 = {
    group: { default: { targets: ['base'] }, spins: { targets: ['spin-dev'] } },
    target: {
      base: {
        context: 'docker',
        dockerfile: 'Dockerfile',
        args: { OPENCODE_VERSION: '1.18.33' },
        labels: { 'io.caiged.version': '0.1.0' },
        tags: ['caiged:base'],
        target: 'base',
        attest: ['type=provenance,disabled=true'],
        'cache-from': ['type=local,src=/c'],
        'cache-to': ['type=local,dest=/c,mode=max'],
        output: ['type=docker'],
      },
      'spin-dev': {
        context: 'docker',
        dockerfile: 'Dockerfile.spin',
        contexts: { base: 'target:base', spin: '/tmp/work/spin-dev' },
        platforms: ['linux/amd64'],
        attest: ['type=provenance,disabled=true'],
      },
    },
  }

  it('reads buildx 0.29 objects as CSV strings, type first', () => {
    const parsed = BakePrintSchema.parse(print029)
    expect(parsed.target.base?.['cache-from']).toEqual(['type=local,src=/c'])
    expect(parsed.target.base?.['cache-to']).toEqual(['type=local,dest=/c,mode=max'])
    expect(parsed.target.base?.attest).toEqual(['type=provenance,disabled=true'])
    expect(parsed.target.base?.output).toEqual(['type=docker'])
    expect(parsed.target['spin-dev']?.attest).toEqual(['type=provenance,disabled=true'])
  })

  it('reads buildx 0.13 strings unchanged', () => {
    const parsed = BakePrintSchema.parse(print013)
    expect(parsed.target.base?.['cache-from']).toEqual(['type=local,src=/c'])
    expect(parsed.target.base?.attest).toEqual(['type=provenance,disabled=true'])
  })

  it('normalises both generations to the same result', () => {
    expect(BakePrintSchema.parse(print029)).toEqual(BakePrintSchema.parse(print013))
  })

  it('keeps the other fields and ignores unknown ones', () => {
    const parsed = BakePrintSchema.parse({
      target: { t: { context: '.', 'no-cache': true, pull: false, 'shm-size': '2g' } },
    })
    expect(parsed).toEqual({ target: { t: { context: '.' } } })
  })

  it('writes numbers as text', () => {
    expect(BakePrintSchema.parse({ target: { t: { 'cache-to': [{ type: 'gha', timeout: 10 }] } } })).toEqual({
      target: { t: { 'cache-to': ['type=gha,timeout=10'] } },
    })
  })

  it('refuses output without targets or with wrongly typed fields', () => {
    expect(BakePrintSchema.safeParse({ group: {} }).success).toBe(false)
    expect(BakePrintSchema.safeParse({ target: { t: { tags: 'caiged:base' } } }).success).toBe(false)
    expect(BakePrintSchema.safeParse({ target: { t: { attest: [{ nested: { a: 1 } }] } } }).success).toBe(
      false,
    )
  })
})

describe('cacheForTarget', () => {
  it('gives each target its own local folder, registry tag or gha scope', () => {
    expect(cacheForTarget('type=local,dest=/c,mode=max', 'base')).toBe('type=local,dest=/c/base,mode=max')
    expect(cacheForTarget('type=registry,ref=ghcr.io/me/cache', 'spin-dev')).toBe(
      'type=registry,ref=ghcr.io/me/cache:spin-dev',
    )
    expect(cacheForTarget('type=registry,ref=r.example:5000/me/cache:v1,mode=max', 'base')).toBe(
      'type=registry,ref=r.example:5000/me/cache:v1-base,mode=max',
    )
    expect(cacheForTarget('type=registry,ref=r.example:5000/me/cache', 'base')).toBe(
      'type=registry,ref=r.example:5000/me/cache:base',
    )
    expect(cacheForTarget('type=gha,mode=max', 'base')).toBe('type=gha,mode=max,scope=base')
    expect(cacheForTarget('type=gha,scope=ci', 'spin-qa')).toBe('type=gha,scope=ci-spin-qa')
    expect(cacheForTarget('type=inline', 'base')).toBe('type=inline')
  })
})

describe('lostSnapshot: BuildKit’s intermittent unpack failure, built once more', () => {
  it('knows the line BuildKit prints (seen in CI) and nothing else', () => {
    expect(
      lostSnapshot(
        '#22 ERROR: failed to prepare extraction snapshot "extract-911181766-PFGn sha256:eb91ca30912e": parent snapshot sha256:42c3e693d885 does not exist: not found',
      ),
    ).toBe(true)
    expect(
      lostSnapshot('ERROR: failed to solve: process "/bin/sh -c apt-get install nope" did not complete'),
    ).toBe(false)
    expect(lostSnapshot('parent snapshot sha256:42 does not exist')).toBe(false)
  })
})
