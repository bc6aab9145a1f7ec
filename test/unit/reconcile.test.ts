import { describe, expect, it } from 'vitest'
import {
  decide,
  type ExistingContainer,
  type ImageState,
  type ReconcileFlags,
} from '../../src/containers/reconcile.js'
import { settingsLabels, type SettingsRecord } from '../../src/containers/settings-record.js'
import { Label } from '../../src/labels.js'

const WORKDIR = '/home/u/work/code/app'
const FP = 'f'.repeat(32)
const RECORD: SettingsRecord = {
  v: 1,
  workdir: WORKDIR,
  gh: 'ro',
  auth: 'copy',
  dockerSocket: false,
  secretEnv: [],
  injected: [],
  authInside: [],
  secretEnvFile: '',
  volume: 'v',
  toolsVolume: 't',
  git: { mode: 'none' },
  ssh: { kind: 'none' },
  resources: {},
  network: 'own',
  egress: 'open',
  publish: [],
}
const SETTINGS = settingsLabels(RECORD)
const OTHER_SETTINGS = settingsLabels({ ...RECORD, ssh: { kind: 'agent' } })
const want = { workdir: WORKDIR, settings: RECORD, imageFingerprints: [FP] }

type State = 'running' | 'stopped' | 'absent'
type Img = 'current' | 'stale'
type Settings = 'same' | 'different'

function existing(state: State, o: { settings?: Settings; fingerprint?: string; imageId?: string } = {}) {
  if (state === 'absent') return undefined
  const c: ExistingContainer = {
    id: 'c1',
    running: state === 'running',
    imageId: o.imageId ?? 'sha256:current',
    labels: {
      ...SETTINGS,
      ...(o.settings === 'different' ? OTHER_SETTINGS : {}),
      [Label.port]: '4100',
      [Label.imageFingerprint]: o.fingerprint ?? FP,
    },
  }
  return c
}
const image = (img: Img): ImageState =>
  img === 'current'
    ? { build: [], id: 'sha256:current', fingerprint: FP }
    : { build: ['spin content a → b'], id: 'sha256:old', fingerprint: FP }
/** A copy of labels without one key (the container was made before caiged recorded it). */
const without = (labels: Record<string, string>, key: string) =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => k !== key))
const flags = (f: Partial<ReconcileFlags> = {}): ReconcileFlags => ({
  recreate: false,
  yes: false,
  rebuild: false,
  ...f,
})

/** Asked as the flow asks: without the image first, then with it when the decision needs it. */
function ask(
  state: State,
  img: Img,
  settings: Settings,
  f: Partial<ReconcileFlags> = {},
  fingerprint?: string,
) {
  const c = existing(state, { settings, fingerprint: fingerprint ?? (img === 'current' ? FP : 'old') })
  const first = decide(c, want, undefined, flags(f))
  return first.action === 'inspect-image'
    ? { ...decide(c, want, image(img), flags(f)), lookedAtImage: true }
    : { ...first, lookedAtImage: false }
}

describe('decide: every row of state × image × settings × flags', () => {
  // [state, image, settings, flags, action, needsConfirmation, builds, looked at the image]
  const rows: [State, Img, Settings, Partial<ReconcileFlags>, string, boolean, boolean, boolean][] = [
    ['running', 'current', 'same', {}, 'reuse', false, false, false],
    ['running', 'current', 'same', { recreate: true }, 'reuse', false, false, false],
    ['running', 'current', 'same', { yes: true }, 'reuse', false, false, false],
    ['running', 'current', 'same', { rebuild: true }, 'recreate', false, true, true],
    ['running', 'current', 'different', {}, 'recreate', true, false, true],
    ['running', 'current', 'different', { recreate: true }, 'recreate', false, false, true],
    ['running', 'current', 'different', { yes: true }, 'recreate', false, false, true],
    ['running', 'current', 'different', { rebuild: true }, 'recreate', true, true, true],
    ['running', 'stale', 'same', {}, 'recreate', false, true, true],
    ['running', 'stale', 'same', { recreate: true }, 'recreate', false, true, true],
    ['running', 'stale', 'same', { rebuild: true }, 'recreate', false, true, true],
    ['running', 'stale', 'different', {}, 'recreate', true, true, true],
    ['running', 'stale', 'different', { yes: true }, 'recreate', false, true, true],
    ['stopped', 'current', 'same', {}, 'start', false, false, false],
    ['stopped', 'current', 'same', { recreate: true }, 'start', false, false, false],
    ['stopped', 'current', 'same', { rebuild: true }, 'recreate', false, true, true],
    ['stopped', 'current', 'different', {}, 'recreate', true, false, true],
    ['stopped', 'current', 'different', { recreate: true }, 'recreate', false, false, true],
    ['stopped', 'stale', 'same', {}, 'recreate', false, true, true],
    ['stopped', 'stale', 'different', {}, 'recreate', true, true, true],
    ['stopped', 'stale', 'different', { yes: true }, 'recreate', false, true, true],
    ['absent', 'current', 'same', {}, 'create', false, false, true],
    ['absent', 'current', 'same', { recreate: true }, 'create', false, false, true],
    ['absent', 'current', 'same', { rebuild: true }, 'create', false, true, true],
    ['absent', 'stale', 'same', {}, 'create', false, true, true],
    ['absent', 'stale', 'same', { yes: true }, 'create', false, true, true],
  ]
  it.each(rows)(
    '%s container, %s image, %s settings, flags %j → %s',
    (state, img, settings, f, action, confirm, builds, looked) => {
      const d = ask(state, img, settings, f)
      expect(d.action).toBe(action)
      if (d.action === 'refuse') throw new Error('unexpected')
      expect(d.needsConfirmation).toBe(confirm)
      expect(d.build.length > 0).toBe(builds)
      expect(d.lookedAtImage).toBe(looked)
    },
  )
})

describe('decide: the reasons it gives', () => {
  it('names the settings that differ', () => {
    const d = ask('running', 'current', 'different')
    expect(d).toMatchObject({
      action: 'recreate',
      drift: ['ssh: agent → none'],
      why: 'new settings (ssh: agent → none)',
    })
  })

  it('says the image changed when it is rebuilt, or another image is tagged now', () => {
    expect(ask('running', 'stale', 'same')).toMatchObject({
      why: 'its image changed',
      build: ['spin content a → b'],
    })
    expect(ask('running', 'current', 'same', { rebuild: true })).toMatchObject({
      why: 'its image changed',
      build: ['--rebuild-images'],
    })
    const c = existing('running', { fingerprint: 'old', imageId: 'sha256:older' })
    expect(decide(c, want, image('current'), flags())).toMatchObject({
      action: 'recreate',
      why: 'its image changed',
    })
  })

  it('says another caiged version made it when only the fingerprint differs', () => {
    const c = existing('running', { fingerprint: 'other-formula' })
    expect(decide(c, want, image('current'), flags())).toMatchObject({
      action: 'recreate',
      why: 'it was made by another caiged version',
      build: [],
    })
  })

  it('asks before recreating a container that records no port', () => {
    const c = existing('running')
    if (!c) throw new Error('no container')
    c.labels = without(c.labels, Label.port)
    const d = decide(c, want, image('current'), flags())
    expect(d).toMatchObject({ action: 'recreate', why: 'it records no port', needsConfirmation: true })
  })

  it('reads the Go caiged port label', () => {
    const c = existing('running')
    if (!c) throw new Error('no container')
    c.labels = { ...without(c.labels, Label.port), [Label.legacyPort]: '4100' }
    expect(decide(c, want, undefined, flags()).action).toBe('reuse')
  })
})

describe('decide: a name another project owns', () => {
  it('refuses, whatever the flags, and never asks for the image', () => {
    for (const f of [{}, { recreate: true }, { yes: true, rebuild: true }]) {
      const c = existing('running')
      if (!c) throw new Error('no container')
      c.labels[Label.workdir] = '/home/u/play/code/app'
      expect(decide(c, want, undefined, flags(f))).toEqual({
        action: 'refuse',
        owner: '/home/u/play/code/app',
      })
    }
  })

  it('does not refuse a container that records no project folder (made by the Go caiged)', () => {
    const c = existing('running')
    if (!c) throw new Error('no container')
    c.labels = without(c.labels, Label.workdir)
    expect(decide(c, want, undefined, flags()).action).toBe('reuse')
  })
})
