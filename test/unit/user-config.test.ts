import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS, UserConfigSchema, configProblems, getPath, setPath } from '../../src/config/schema.js'

const problems = (value: unknown) => {
  const parsed = UserConfigSchema.safeParse(value)
  return parsed.success ? [] : configProblems(parsed.error)
}

/** A valid value for each settable key ('dev' where any name will do). */
const SAMPLES: Partial<Record<(typeof CONFIG_KEYS)[number], unknown>> = {
  'resources.cpus': 64,
  'resources.pids': 64,
  'resources.memory': '1g',
  'mounts.opencodeAuth': true,
  'mounts.gh': 'ro',
  'github.scope': 'project',
  'idle.stopAfter': '30m',
  workspace: 'copy',
  secretEnv: ['A'],
  'git.identity': 'host',
  'git.agent.email': 'a@b.c',
  'images.pull': 'always',
  'images.registry': 'registry.example:5000/team',
  'egress.mode': 'locked',
  'egress.allow': ['api.example.com', '*.example.org:8443'],
  'egress.deny': ['10.0.0.5:22'],
  'egress.network': 'caiged-egress',
  publish: ['3000', '5173:8080'],
}

describe('user config schema', () => {
  it('accepts a full, valid config', () => {
    expect(
      problems({
        defaultSpin: 'dev',
        mounts: { gh: 'none', opencodeAuth: false },
        secretEnv: ['JFROG_TOKEN'],
        git: { identity: 'agent', agent: { name: 'Bot', email: 'bot@example.com' }, sshKey: '/k' },
        resources: { memory: '4g', cpus: 1.5, pids: 512 },
      }),
    ).toEqual([])
  })

  it('names unknown fields with their full path', () => {
    expect(problems({ mount: {} })).toEqual(['unknown field mount'])
    expect(problems({ resources: { memroy: '1g' } })).toEqual(['unknown field resources.memroy'])
  })

  it('says which value breaks which rule', () => {
    expect(problems({ defaultSpin: '../x' })).toEqual(['defaultSpin: must be a spin name such as dev'])
    expect(problems({ resources: { memory: 'lots' } })).toEqual([
      'resources.memory: must be a size docker understands, e.g. 4g or 512m',
    ])
    expect(problems({ secretEnv: ['BAD-NAME'] })).toEqual([
      'secretEnv.0: must be an env var name, or NAME@HOST',
    ])
    expect(problems({ mounts: { gh: 'write' } })[0]).toMatch(/^mounts\.gh: /)
  })

  it('has every settable key reachable in the schema', () => {
    for (const key of CONFIG_KEYS) {
      const sample = SAMPLES[key] ?? 'dev'
      const config = setPath({}, key, sample)
      const extra = key.startsWith('git.agent.')
        ? setPath(
            config,
            key.endsWith('name') ? 'git.agent.email' : 'git.agent.name',
            key.endsWith('name') ? 'a@b.c' : 'A',
          )
        : config
      expect(problems(extra), key).toEqual([])
      expect(getPath(extra, key)).toEqual(sample)
    }
  })
})

describe('setPath / getPath', () => {
  it('sets nested values without touching the original', () => {
    const original = { a: { b: 1 } }
    const next = setPath(original, 'a.c.d', 2)
    expect(next).toEqual({ a: { b: 1, c: { d: 2 } } })
    expect(original).toEqual({ a: { b: 1 } })
  })

  it('removes a value, and the objects it leaves empty', () => {
    expect(setPath({ a: { b: 1 } }, 'a.b', undefined)).toEqual({})
    expect(setPath({ a: { b: 1, c: 2 } }, 'a.b', undefined)).toEqual({ a: { c: 2 } })
  })

  it('reads missing paths as undefined', () => {
    expect(getPath({ a: 1 }, 'a.b.c')).toBeUndefined()
    expect(getPath({ a: { b: [1] } }, 'a.b')).toEqual([1])
  })
})
