import fs from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { settingsLabels, settingsRecord } from '../../src/containers/settings-record.js'
import {
  applyAsBranch,
  applyWorkspace,
  syncWorkspace,
  workspaceDiff,
} from '../../src/flows/workspace/changes.js'
import { Label } from '../../src/labels.js'
import { FakeDocker, inspectJson, testDeps } from '../support/fakes.js'
import { plainSettings } from '../support/settings.js'

function world(workspace: 'bind' | 'copy', running: boolean) {
  const record = settingsRecord(plainSettings('caiged-dev-app', '/home/u/app', { workspace }))
  const labels = { [Label.managed]: 'true', [Label.spin]: 'dev', ...settingsLabels(record) }
  const docker = new FakeDocker().on(
    /^container inspect -- caiged-dev-app$/,
    inspectJson({ name: 'caiged-dev-app', running, labels }),
  )
  const d = testDeps({ docker })
  onTestFinished(() => fs.rmSync(d.root, { recursive: true, force: true }))
  return { docker, d }
}

describe('caiged diff and apply', () => {
  it('refuse an agent that works on the folder itself, in one sentence, touching nothing', async () => {
    const { docker, d } = world('bind', true)
    await expect(workspaceDiff({ name: 'caiged-dev-app' }, d)).rejects.toMatchObject({
      sentence:
        'caiged-dev-app works on your folder itself, not on a copy: there is nothing to diff or apply.',
    })
    await expect(applyWorkspace({ name: 'caiged-dev-app' }, d)).rejects.toThrow(/not on a copy/)
    expect(docker.calls.every((c) => c.startsWith('container inspect'))).toBe(true)
  })

  it('read the files changed from git’s numstat, binary ones without line counts', async () => {
    const { docker, d } = world('copy', true)
    docker.on(/^exec caiged-dev-app sh -c /, (args) =>
      args.includes('--numstat') ? { stdout: '2\t1\tREADME.md\0-\t-\tlogo.png\0' } : { stdout: 'the patch' },
    )
    const diff = await workspaceDiff({ name: 'caiged-dev-app' }, d)
    expect(diff.files).toEqual([{ path: 'README.md', added: 2, deleted: 1 }, { path: 'logo.png' }])
    expect(diff.patch).toBe('the patch\n')
  })

  it('sync refuses to drop changes not applied, naming them, and empties nothing', async () => {
    const { docker, d } = world('copy', true)
    docker.on(/^exec caiged-dev-app sh -c /, { stdout: '1\t0\tscratch.txt\0' })
    await expect(syncWorkspace({ name: 'caiged-dev-app', force: false }, d)).rejects.toMatchObject({
      sentence: 'caiged-dev-app has changes you have not applied (scratch.txt): sync would drop them.',
    })
    expect(docker.calls.filter((c) => c.includes('rm -rf'))).toEqual([])
  })

  it.each(['../x', '-x', 'a b', 'x.lock', 'a//b', '/x', 'x/'])(
    'apply --branch refuses %j before it reads the copy',
    async (branch) => {
      const { docker, d } = world('copy', true)
      await expect(applyAsBranch({ name: 'caiged-dev-app', branch }, d)).rejects.toThrow(
        'is not a branch name git accepts',
      )
      expect(docker.calls.every((c) => c.startsWith('container inspect'))).toBe(true)
    },
  )
})
