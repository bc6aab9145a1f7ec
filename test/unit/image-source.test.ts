import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectedSpinLabels, imageFingerprint } from '../../src/bake/plan.js'
import {
  chooseImage,
  publishedFingerprint,
  publishedRef,
  type ChooseOptions,
} from '../../src/images/source.js'
import { imageInputs } from '../../src/images/plan.js'
import { Label } from '../../src/labels.js'
import { FakeDocker, notFound, recordingIo, testDeps } from '../support/fakes.js'

const spin = { name: 'dev', hash: 'a'.repeat(64) }
const REGISTRY = 'registry.example:5000/team'

async function setup(uid = 1000) {
  const docker = new FakeDocker()
  const io = recordingIo()
  const d = testDeps({ docker, io })
  const inputs = await imageInputs(d, {
    opencodeVersion: '1.18.18',
    baseImage: 'debian:bookworm-slim',
    imagePrefix: 'caiged',
    uid,
    gid: uid,
  })
  const options: ChooseOptions = {
    spin,
    inputs,
    localRef: 'caiged:dev',
    registry: REGISTRY,
    pull: 'missing',
    platform: 'linux/amd64',
  }
  const ref = publishedRef(REGISTRY, inputs, 'dev')
  // What CI published: the same content, its own base image, uid 1000.
  const publishedLabels = {
    ...expectedSpinLabels({ ...inputs, agentUid: 1000, agentGid: 1000, baseImage: 'ci/debian:12' }, spin),
  }
  const remote = (labels: Record<string, string>) => ({
    stdout: JSON.stringify({
      name: ref,
      manifest: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:' + 'd'.repeat(64) },
      image: { 'linux/amd64': { config: { Labels: labels } }, 'linux/arm64': { config: { Labels: labels } } },
    }),
  })
  const imageJson = (id: string, labels: Record<string, string>) => ({
    stdout: JSON.stringify([
      {
        Id: id,
        RepoTags: [],
        RepoDigests: [`${ref.split(':')[0]}@sha256:${'d'.repeat(64)}`],
        Config: { Labels: labels },
      },
    ]),
  })
  return { docker, io, d, inputs, options, ref, publishedLabels, remote, imageJson }
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('chooseImage', () => {
  it('uses a current local build without asking the registry', async () => {
    const s = await setup()
    s.docker.on(
      /^image inspect -- caiged:dev$/,
      s.imageJson('sha256:local', expectedSpinLabels(s.inputs, spin)),
    )
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toMatchObject({
      source: 'local',
      ref: 'caiged:dev',
      build: [],
      fingerprint: imageFingerprint(expectedSpinLabels(s.inputs, spin)),
    })
    expect(s.docker.calls).toEqual(['image inspect -- caiged:dev'])
  })

  it('pulls the published image when it is what a local build would make: one remote request, no build', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- caiged:dev$/, notFound('image'))
      .on(new RegExp(`^image inspect -- ${escape(s.ref)}$`), notFound('image'), 1)
      .on(/^buildx imagetools inspect /, s.remote(s.publishedLabels), 1)
      .on(new RegExp(`^pull -- ${escape(s.ref)}$`), {}, 1)
      .on(new RegExp(`^image inspect -- ${escape(s.ref)}$`), s.imageJson('sha256:pulled', s.publishedLabels))
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toEqual({
      source: 'registry',
      ref: s.ref,
      digest: 'sha256:' + 'd'.repeat(64),
      id: 'sha256:pulled',
      fingerprint: publishedFingerprint(s.inputs, spin, REGISTRY),
      build: [],
    })
    expect(s.docker.unused()).toEqual([])
    expect(s.docker.calls.some((c) => c.startsWith('buildx bake') || c.startsWith('buildx build'))).toBe(
      false,
    )
  })

  it('adds a uid layer over the published image for a host user whose uid is not 1000', async () => {
    const s = await setup(1234)
    s.docker
      .on(/^image inspect -- caiged:dev$/, notFound('image'))
      .on(/^image inspect -- caiged:dev-uid1234$/, notFound('image'), 1)
      .on(/^buildx imagetools inspect /, s.remote(s.publishedLabels), 1)
      .on(/^pull -- /, {}, 1)
      .on(
        /^buildx build --load .*--build-arg AGENT_UID=1234 --build-arg AGENT_GID=1234 -t caiged:dev-uid1234 /,
        {},
        1,
      )
      .on(
        /^image inspect -- caiged:dev-uid1234$/,
        s.imageJson('sha256:layer', { ...s.publishedLabels, [Label.agentUid]: '1234' }),
      )
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toMatchObject({ source: 'registry', ref: 'caiged:dev-uid1234', id: 'sha256:layer' })
    expect(s.docker.unused()).toEqual([])
  })

  it('says in one line why a published image does not fit (an edited spin), and builds', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      // No published base either: the whole image is built here.
      .on(/^buildx imagetools inspect \S+-base:/, { exitCode: 1, stderr: 'ERROR: x: not found' }, 1)
      .on(
        /^buildx imagetools inspect /,
        s.remote({ ...s.publishedLabels, [Label.spinHash]: 'b'.repeat(64) }),
        1,
      )
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toMatchObject({ source: 'build', ref: 'caiged:dev', build: ['no image yet'] })
    expect(choice.onBase).toBeUndefined()
    expect(s.io.notes).toEqual([
      'Not using the published dev image: the dev spin here differs from the published one.',
    ])
  })

  it('builds only the spin layer of an edited spin, on the published base when it matches', async () => {
    const s = await setup()
    const baseLabels = {
      [Label.role]: 'base',
      [Label.opencodeVersion]: '1.18.18',
      [Label.caigedVersion]: '0.1.0',
      [Label.assetsHash]: s.inputs.assetsHash,
      [Label.baseImage]: 'ci/debian:12',
      [Label.agentUid]: '1000',
    }
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      .on(/^buildx imagetools inspect \S+-base:/, s.remote(baseLabels), 1)
      .on(
        /^buildx imagetools inspect /,
        s.remote({ ...s.publishedLabels, [Label.spinHash]: 'b'.repeat(64) }),
        1,
      )
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toMatchObject({
      source: 'build',
      ref: 'caiged:dev',
      onBase: {
        ref: publishedRef(REGISTRY, s.inputs, 'base'),
        inputs: { ...s.inputs, baseImage: 'ci/debian:12' },
      },
    })
    expect(s.io.notes[1]).toBe(
      `Building only the dev spin layer, on the published ${publishedRef(REGISTRY, s.inputs, 'base')}.`,
    )
  })

  it('says a version that is not published, and builds', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      .on(/^buildx imagetools inspect /, { exitCode: 1, stderr: `ERROR: ${'x'}: not found` }, 2)
    expect((await chooseImage(s.options, s.d)).source).toBe('build')
    expect(s.docker.calls.filter((c) => c.startsWith('buildx imagetools'))).toHaveLength(2)
    expect(s.io.notes[0]).toBe(
      `Not using the published dev image: ${s.ref} is not published (OpenCode 1.18.18, caiged 0.1.0).`,
    )
  })

  it('turns a registry that cannot be reached into one warning and a local image', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- caiged:dev$/, s.imageJson('sha256:local', expectedSpinLabels(s.inputs, spin)))
      .on(
        /^buildx imagetools inspect /,
        { exitCode: 1, stderr: 'ERROR: dial tcp 127.0.0.1:5999: connect: connection refused' },
        1,
      )
    const choice = await chooseImage({ ...s.options, pull: 'always' }, s.d)
    expect(choice.source).toBe('local')
    expect(s.io.warnings).toEqual([
      `The image registry ${REGISTRY} cannot be reached (dial tcp 127.0.0.1:5999: connect: connection refused); using a local image.`,
    ])
  })

  it('says how to log in when the registry wants credentials', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      .on(
        /^buildx imagetools inspect /,
        { exitCode: 1, stderr: 'ERROR: pull access denied: authorization failed: no basic auth credentials' },
        1,
      )
    await expect(chooseImage(s.options, s.d)).rejects.toMatchObject({
      sentence: expect.stringMatching(
        /^The image registry registry\.example:5000 refuses to serve \S+ without a login/,
      ),
      hint: expect.stringContaining('docker login registry.example:5000'),
    })
  })

  it('never asks the registry with --pull never', async () => {
    const s = await setup()
    s.docker.on(/^image inspect -- /, notFound('image'))
    expect((await chooseImage({ ...s.options, pull: 'never' }, s.d)).source).toBe('build')
    expect(s.docker.calls.some((c) => c.startsWith('buildx imagetools'))).toBe(false)
  })
})

describe('chooseImage: the docker calls of each path, and pull failures', () => {
  it('uses the published image pulled before without asking the registry: two image inspects', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- caiged:dev$/, notFound('image'), 1)
      .on(new RegExp(`^image inspect -- ${escape(s.ref)}$`), s.imageJson('sha256:pulled', s.publishedLabels))
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toEqual({
      source: 'registry',
      ref: s.ref,
      digest: 'sha256:' + 'd'.repeat(64),
      id: 'sha256:pulled',
      fingerprint: publishedFingerprint(s.inputs, spin, REGISTRY),
      build: [],
    })
    expect(s.docker.calls).toEqual([
      'image inspect -- caiged:dev',
      `image inspect -- ${s.ref}`,
      `image inspect -- ${s.ref}`,
    ])
  })

  it('looks only at the local and the pulled image with --pull never and a stale build', async () => {
    const s = await setup()
    s.docker.on(/^image inspect -- /, notFound('image'))
    expect((await chooseImage({ ...s.options, pull: 'never' }, s.d)).source).toBe('build')
    expect(s.docker.calls).toEqual(['image inspect -- caiged:dev', `image inspect -- ${s.ref}`])
  })

  it('looks only at the local image without a registry', async () => {
    const s = await setup()
    s.docker.on(/^image inspect -- /, notFound('image'))
    expect((await chooseImage({ ...s.options, registry: undefined }, s.d)).source).toBe('build')
    expect(s.docker.calls).toEqual(['image inspect -- caiged:dev'])
  })

  it('warns about a pull that fails with "permission denied" on the engine, and builds: no login error', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      .on(/^buildx imagetools inspect /, s.remote(s.publishedLabels), 1)
      .on(
        /^pull -- /,
        { exitCode: 1, stderr: 'failed to register layer: open /var/lib/docker/x: permission denied' },
        1,
      )
    const choice = await chooseImage(s.options, s.d)
    expect(choice).toMatchObject({ source: 'build', ref: 'caiged:dev', build: ['no image yet'] })
    expect(s.io.warnings).toEqual([
      `Could not pull ${s.ref} (failed to register layer: open /var/lib/docker/x: permission denied); using a local image.`,
    ])
  })

  it('says how to log in when the pull is denied by the registry', async () => {
    const s = await setup()
    s.docker
      .on(/^image inspect -- /, notFound('image'))
      .on(/^buildx imagetools inspect /, s.remote(s.publishedLabels), 1)
      .on(
        /^pull -- /,
        {
          exitCode: 1,
          stderr: 'Error response from daemon: denied: requested access to the resource is denied',
        },
        1,
      )
    await expect(chooseImage(s.options, s.d)).rejects.toMatchObject({
      sentence: expect.stringMatching(/^The image registry registry\.example:5000 refuses to serve/),
    })
  })
})

it('names published images as bake tags them', async () => {
  const d = testDeps()
  const inputs = await imageInputs(d, {
    opencodeVersion: '1.18.18',
    baseImage: 'b',
    imagePrefix: 'caiged',
    uid: 1000,
    gid: 1000,
  })
  expect(publishedRef('ghcr.io/me', inputs, 'dev')).toBe('ghcr.io/me/caiged-dev:oc1.18.18-caiged0.1.0')
  expect(path.basename(d.root)).toMatch(/^caiged-unit-/)
})
