import { describe, expect, it } from 'vitest'
import { resolveRunSettings } from '../../src/config/settings.js'

describe('resolveRunSettings: flag > config > default', () => {
  it('takes the defaults when nothing is said', () => {
    expect(resolveRunSettings({}, {})).toEqual({
      spin: undefined,
      secretEnvNames: [],
      gitIdentity: { mode: 'host', explicit: false },
      ssh: { kind: 'none' },
      copyAuth: true,
      gh: 'ro',
      resources: {},
      idleStopAfter: 1800,
      workspace: 'bind',
    })
  })

  it.each([
    ['the flag over the config', { idleStop: '45s' }, { idle: { stopAfter: '2h' } }, 45],
    ['the config', {}, { idle: { stopAfter: '1h30m' } }, 5400],
    ['0: never', { idleStop: '0' }, {}, 0],
  ])('idle stop: %s', (_what, flags, config, seconds) => {
    expect(resolveRunSettings(flags, config).idleStopAfter).toBe(seconds)
  })

  it('refuses an idle stop that is not a duration, in one sentence', () => {
    expect(() => resolveRunSettings({ idleStop: 'soon' }, {})).toThrow(
      '--idle-stop "soon" is not a duration.',
    )
  })

  const config = {
    defaultSpin: 'qa',
    secretEnv: ['FROM_CONFIG'],
    git: { identity: 'agent' as const, sshKey: '/k/config' },
    mounts: { gh: 'rw' as const, opencodeAuth: false },
    resources: { memory: '2g' },
  }
  it.each([
    ['spin', { spin: 'dev' }, { spin: 'dev' }, { spin: 'qa' }],
    [
      'git identity',
      { gitIdentity: 'none' as const },
      { gitIdentity: { mode: 'none', explicit: true } },
      { gitIdentity: { mode: 'agent', explicit: true } },
    ],
    [
      'ssh key',
      { sshKey: '/k/flag' },
      { ssh: { kind: 'key', key: '/k/flag' } },
      { ssh: { kind: 'key', key: '/k/config' } },
    ],
    [
      'ssh agent over a configured key',
      { sshAgent: true },
      { ssh: { kind: 'agent' } },
      { ssh: { kind: 'key', key: '/k/config' } },
    ],
    ['gh mount', { gh: 'none' as const }, { gh: 'none' }, { gh: 'rw' }],
    [
      'secret env (both)',
      { secretEnv: ['FROM_FLAG'] },
      { secretEnvNames: ['FROM_CONFIG', 'FROM_FLAG'] },
      { secretEnvNames: ['FROM_CONFIG'] },
    ],
  ])('%s: the flag wins, else config', (_, flag, withFlag, withoutFlag) => {
    expect(resolveRunSettings(flag, config)).toMatchObject(withFlag)
    expect(resolveRunSettings({}, config)).toMatchObject(withoutFlag)
  })

  it('copies auth only when neither the flag nor config turns it off', () => {
    expect(resolveRunSettings({ opencodeAuth: false }, {}).copyAuth).toBe(false)
    expect(resolveRunSettings({}, { mounts: { opencodeAuth: false } }).copyAuth).toBe(false)
    expect(resolveRunSettings({}, { mounts: { opencodeAuth: true } }).copyAuth).toBe(true)
  })

  it('takes resource limits from config', () => {
    expect(resolveRunSettings({}, config).resources).toEqual({ memory: '2g' })
  })
})
