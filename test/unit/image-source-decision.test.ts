import { describe, expect, it } from 'vitest'
import { expectedSpinLabels, imageFingerprint, type ImageInputs } from '../../src/bake/plan.js'
import type { PullPolicy } from '../../src/config/schema.js'
import type { RemoteLookup } from '../../src/docker/buildx-client.js'
import {
  chooseImageSource,
  publishedFingerprint,
  publishedRef,
  pullFailure,
  type ImageFacts,
  type ImagePlan,
  type ImagePolicy,
  type LocalImage,
} from '../../src/images/source-decision.js'
import { Label } from '../../src/labels.js'

const REGISTRY = 'registry.example:5000/team'
const spin = { name: 'dev', hash: 'a'.repeat(64) }
const DIGEST = 'sha256:' + 'd'.repeat(64)
const inputsFor = (uid: number): ImageInputs => ({
  opencodeVersion: '1.18.18',
  baseImage: 'debian:bookworm-slim',
  imagePrefix: 'caiged',
  caigedVersion: '0.1.0',
  assetsHash: 'c'.repeat(64),
  agentUid: uid,
  agentGid: uid,
})
const INPUTS = inputsFor(1000)
const REF = publishedRef(REGISTRY, INPUTS, 'dev')
const BASE_REF = publishedRef(REGISTRY, INPUTS, 'base')
const LOCAL_FP = imageFingerprint(expectedSpinLabels(INPUTS, spin))
const PUBLISHED_FP = publishedFingerprint(INPUTS, spin, REGISTRY)

/** What CI published: this build's content, its own base image, uid 1000. */
const PUBLISHED = expectedSpinLabels({ ...INPUTS, baseImage: 'ci/debian:12' }, spin)
const BASE = {
  [Label.role]: 'base',
  [Label.opencodeVersion]: INPUTS.opencodeVersion,
  [Label.caigedVersion]: INPUTS.caigedVersion,
  [Label.assetsHash]: INPUTS.assetsHash,
  [Label.baseImage]: 'ci/debian:12',
  [Label.agentUid]: '1000',
}

type Local = 'none' | 'current' | 'stale' | 'on-base'
const localImage = (local: Local, uid = 1000): LocalImage | undefined => {
  if (local === 'none') return undefined
  const inputs = inputsFor(uid)
  const labels =
    local === 'current'
      ? expectedSpinLabels(inputs, spin)
      : local === 'on-base'
        ? expectedSpinLabels({ ...inputs, baseImage: 'ci/debian:12' }, spin)
        : expectedSpinLabels({ ...inputs, opencodeVersion: '1.0.0' }, spin)
  return { id: 'sha256:local', labels }
}
const found = (labels: Record<string, string>, platform = 'linux/amd64'): RemoteLookup => ({
  found: { digest: DIGEST, platforms: { [platform]: labels } },
})
const pulledImage = (labels: Record<string, string>): LocalImage => ({ id: 'sha256:pulled', labels })

interface Row {
  local?: Local
  registry?: string
  pull?: PullPolicy
  uid?: number
  pulled?: LocalImage | null
  remote?: RemoteLookup
  base?: RemoteLookup
}

function ask(r: Row): ImagePlan {
  const uid = r.uid ?? 1000
  const policy: ImagePolicy = {
    spin,
    inputs: inputsFor(uid),
    localRef: 'caiged:dev',
    registry: 'registry' in r ? r.registry : REGISTRY,
    pull: r.pull ?? 'missing',
    platform: 'linux/amd64',
  }
  const facts: ImageFacts = { local: localImage(r.local ?? 'none', uid) }
  if ('pulled' in r) facts.pulled = r.pulled
  if (r.remote) facts.remote = r.remote
  if (r.base) facts.base = r.base
  return chooseImageSource(facts, policy)
}

/** A plan's gist: its action, what it looks at or runs, and what it says. */
function gist(plan: ImagePlan): Record<string, unknown> {
  switch (plan.action) {
    case 'look':
      return { action: 'look', at: plan.at, ref: plan.ref }
    case 'login':
      return { action: 'login', ref: plan.ref, why: plan.why }
    case 'pull':
      return { action: 'pull', ref: plan.choice.ref, layer: plan.layer?.tag, say: plan.say, warn: plan.warn }
    default:
      return { action: plan.action, ref: plan.choice.ref, say: plan.say, warn: plan.warn }
  }
}

const NOT_PUBLISHED = `Not using the published dev image: ${REF} is not published (OpenCode 1.18.18, caiged 0.1.0).`
const ONLY_SPIN = `Building only the dev spin layer, on the published ${BASE_REF}.`
const SPIN_DIFFERS = 'Not using the published dev image: the dev spin here differs from the published one.'
const UNREACHABLE = `The image registry ${REGISTRY} cannot be reached (connection refused); using a local image.`
const EDITED = { ...PUBLISHED, [Label.spinHash]: 'b'.repeat(64) }
const local = (action: 'local' | 'build', say: string[] = [], warn?: string) => ({
  action,
  ref: 'caiged:dev',
  say,
  warn,
})

/** name, facts and policy, and the plan's gist. */
const ROWS: [string, Row, Record<string, unknown>][] = [
  // No registry: only the local build counts.
  ['no registry, no image: build', { registry: undefined }, local('build')],
  ['no registry, current image: local', { registry: undefined, local: 'current' }, local('local')],
  ['no registry, stale image: build', { registry: undefined, local: 'stale' }, local('build')],
  // A current local build is used unless --pull always.
  ['pull missing, current image: local, no lookup', { local: 'current' }, local('local')],
  ['pull never, current image: local, no lookup', { local: 'current', pull: 'never' }, local('local')],
  // A stale or missing build first looks for the published image pulled before.
  ['pull missing, no image: look at the pulled image', {}, { action: 'look', at: 'pulled', ref: REF }],
  [
    'pull never, stale image: look at the pulled image',
    { local: 'stale', pull: 'never' },
    { action: 'look', at: 'pulled', ref: REF },
  ],
  [
    'another uid: look at the uid layer pulled before',
    { uid: 1234 },
    { action: 'look', at: 'pulled', ref: 'caiged:dev-uid1234' },
  ],
  ['pull never, nothing pulled: build', { pull: 'never', pulled: null }, local('build')],
  [
    'pull never, pulled before: use it',
    { pull: 'never', pulled: pulledImage(PUBLISHED) },
    { action: 'pulled', ref: REF, say: [], warn: undefined },
  ],
  [
    'pull never, pulled before for another uid: build',
    { pull: 'never', uid: 1234, pulled: pulledImage(PUBLISHED) },
    local('build'),
  ],
  [
    'pull never, pulled before with other content: build',
    { pull: 'never', pulled: pulledImage(EDITED) },
    local('build'),
  ],
  [
    'pull missing, pulled before: use it, no registry request',
    { pulled: pulledImage(PUBLISHED) },
    { action: 'pulled', ref: REF, say: [], warn: undefined },
  ],
  [
    'pull missing, uid layer pulled before: use it',
    { uid: 1234, pulled: pulledImage({ ...PUBLISHED, [Label.agentUid]: '1234' }) },
    { action: 'pulled', ref: 'caiged:dev-uid1234', say: [], warn: undefined },
  ],
  // Then the registry.
  [
    'pull missing, nothing pulled: ask the registry',
    { pulled: null },
    { action: 'look', at: 'remote', ref: REF },
  ],
  [
    'pull always, current image: ask the registry, not the pulled image',
    { local: 'current', pull: 'always' },
    { action: 'look', at: 'remote', ref: REF },
  ],
  [
    'the registry wants a login: login',
    { pulled: null, remote: { unauthorized: 'no basic auth credentials' } },
    { action: 'login', ref: REF, why: 'no basic auth credentials' },
  ],
  [
    'the registry cannot be reached: build, with a warning',
    { pulled: null, remote: { unreachable: 'connection refused' } },
    local('build', [], UNREACHABLE),
  ],
  [
    'pull always, unreachable, current image: local, with a warning',
    { local: 'current', pull: 'always', remote: { unreachable: 'connection refused' } },
    local('local', [], UNREACHABLE),
  ],
  // Not published: only the spin layer, on the published base, when that matches.
  [
    'not published: ask for the published base',
    { pulled: null, remote: { missing: true } },
    { action: 'look', at: 'base', ref: BASE_REF },
  ],
  [
    'not published, another uid: build (bases are uid 1000)',
    { uid: 1234, pulled: null, remote: { missing: true } },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, no base either: build',
    { pulled: null, remote: { missing: true }, base: { missing: true } },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, base unreachable: build',
    { pulled: null, remote: { missing: true }, base: { unreachable: 'x' } },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, matching base: the spin layer on it',
    { pulled: null, remote: { missing: true }, base: found(BASE) },
    { action: 'on-base', ref: 'caiged:dev', say: [NOT_PUBLISHED, ONLY_SPIN], warn: undefined },
  ],
  [
    'not published, matching base, layer built already: on-base, nothing to build',
    { local: 'on-base', pulled: null, remote: { missing: true }, base: found(BASE) },
    { action: 'on-base', ref: 'caiged:dev', say: [NOT_PUBLISHED], warn: undefined },
  ],
  [
    'not published, base of another platform: build',
    { pulled: null, remote: { missing: true }, base: found(BASE, 'linux/arm64') },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, "base" that is no base: build',
    { pulled: null, remote: { missing: true }, base: found({ ...BASE, [Label.role]: 'spin' }) },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, base for another uid: build',
    { pulled: null, remote: { missing: true }, base: found({ ...BASE, [Label.agentUid]: '1234' }) },
    local('build', [NOT_PUBLISHED]),
  ],
  [
    'not published, base of another OpenCode: build',
    { pulled: null, remote: { missing: true }, base: found({ ...BASE, [Label.opencodeVersion]: '1.0.0' }) },
    local('build', [NOT_PUBLISHED]),
  ],
  // Published.
  [
    'published, not for this platform: build',
    { pulled: null, remote: found(PUBLISHED, 'linux/arm64') },
    local('build', [`Not using the published dev image: ${REF} has no linux/amd64 image.`]),
  ],
  [
    'published with another spin: ask for the base',
    { pulled: null, remote: found(EDITED) },
    { action: 'look', at: 'base', ref: BASE_REF },
  ],
  [
    'published with another spin, matching base: the spin layer on it',
    { pulled: null, remote: found(EDITED), base: found(BASE) },
    { action: 'on-base', ref: 'caiged:dev', say: [SPIN_DIFFERS, ONLY_SPIN], warn: undefined },
  ],
  [
    'published with another spin, another uid: build',
    { uid: 1234, pulled: null, remote: found(EDITED) },
    local('build', [SPIN_DIFFERS]),
  ],
  [
    'published with other assets: build, no base request',
    { pulled: null, remote: found({ ...PUBLISHED, [Label.assetsHash]: 'e'.repeat(64) }) },
    local('build', [
      `Not using the published dev image: image assets (docker/, bake/) ${'e'.repeat(64)} there, ${'c'.repeat(64)} here.`,
    ]),
  ],
  [
    'published with another spin and other assets: build, no base request',
    { pulled: null, remote: found({ ...EDITED, [Label.assetsHash]: 'e'.repeat(64) }) },
    local('build', [
      `Not using the published dev image: the dev spin here differs from the published one; image assets (docker/, bake/) ${'e'.repeat(64)} there, ${'c'.repeat(64)} here.`,
    ]),
  ],
  [
    'published as a local build would make it: pull',
    { pulled: null, remote: found(PUBLISHED) },
    { action: 'pull', ref: REF, layer: undefined, say: [], warn: undefined },
  ],
  [
    'published, another uid: pull and add a uid layer',
    { uid: 1234, pulled: null, remote: found(PUBLISHED) },
    { action: 'pull', ref: 'caiged:dev-uid1234', layer: 'caiged:dev-uid1234', say: [], warn: undefined },
  ],
  [
    'pull always, current image, published: pull',
    { local: 'current', pull: 'always', remote: found(PUBLISHED) },
    { action: 'pull', ref: REF, layer: undefined, say: [], warn: undefined },
  ],
]

describe('chooseImageSource: one row per case', () => {
  it.each(ROWS)('%s', (_name, row, want) => {
    expect(gist(ask(row))).toEqual(want)
  })
})

describe('chooseImageSource: what each plan runs', () => {
  it('a local build carries its own fingerprint, id and reasons', () => {
    const plan = ask({ registry: undefined, local: 'stale' })
    expect(plan).toMatchObject({
      choice: { source: 'build', ref: 'caiged:dev', id: 'sha256:local', fingerprint: LOCAL_FP },
    })
    expect(plan.action === 'build' && plan.choice.build).toEqual(['OpenCode version 1.0.0 → 1.18.18'])
  })

  it('an image pulled before carries the published fingerprint; its digest is read from the published tag', () => {
    expect(ask({ uid: 1234, pulled: pulledImage({ ...PUBLISHED, [Label.agentUid]: '1234' }) })).toEqual({
      action: 'pulled',
      choice: {
        source: 'registry',
        ref: 'caiged:dev-uid1234',
        id: 'sha256:pulled',
        fingerprint: publishedFingerprint(inputsFor(1234), spin, REGISTRY),
        build: [],
      },
      digestOf: REF,
      say: [],
    })
  })

  it('a pull names the uid layer, the digest, and the local build to fall back to', () => {
    const plan = ask({ uid: 1234, pulled: null, remote: found(PUBLISHED) })
    expect(plan).toMatchObject({
      action: 'pull',
      ref: REF,
      layer: { tag: 'caiged:dev-uid1234', uid: 1234, gid: 1234 },
      choice: { source: 'registry', ref: 'caiged:dev-uid1234', digest: DIGEST, build: [] },
      fallback: { source: 'build', ref: 'caiged:dev', build: ['no image yet'] },
    })
    expect(ask({ pulled: null, remote: found(PUBLISHED) })).toMatchObject({
      choice: { ref: REF, fingerprint: PUBLISHED_FP },
    })
  })

  it('the spin layer on the published base is built from its base image', () => {
    const plan = ask({ pulled: null, remote: { missing: true }, base: found(BASE) })
    const onBase = { ref: BASE_REF, inputs: { ...INPUTS, baseImage: 'ci/debian:12' } }
    expect(plan).toMatchObject({
      action: 'on-base',
      choice: {
        source: 'build',
        ref: 'caiged:dev',
        fingerprint: imageFingerprint(expectedSpinLabels(onBase.inputs, spin)),
        build: ['no image yet'],
        onBase,
      },
    })
  })
})

describe('pullFailure', () => {
  it.each<[string, 'login' | 'warn']>([
    ['Error response from daemon: pull access denied for r/x, repository does not exist', 'login'],
    ['Error response from daemon: denied: requested access to the resource is denied', 'login'],
    [
      'Error response from daemon: Head "https://r/v2/x/manifests/t": unauthorized: authentication required',
      'login',
    ],
    ['Error response from daemon: Get "https://r/v2/": no basic auth credentials', 'login'],
    ['failed to register layer: open /var/lib/docker/overlay2/x/link: permission denied', 'warn'],
    ['write /var/lib/docker/tmp/x: permission denied: disk', 'warn'],
    ['Error response from daemon: Get "https://r/v2/": dial tcp: connection refused', 'warn'],
  ])('%s: %s', (stderr, kind) => {
    const failure = pullFailure(REF, stderr, 'why')
    expect(Object.keys(failure)).toEqual([kind])
    if ('warn' in failure) expect(failure.warn).toBe(`Could not pull ${REF} (why); using a local image.`)
  })
})
