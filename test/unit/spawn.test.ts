import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runProcess, startAhead } from '../../src/process/spawn.js'

/** Every callback and promise job queued so far has run (a macrotask turn comes after them all). */
const settled = () => new Promise((resolve) => setImmediate(resolve))

describe('runProcess', () => {
  it('tells each line of both streams as it comes, the unfinished last one at the end', async () => {
    const lines: string[] = []
    const result = await runProcess('sh', ['-c', 'printf "a\\nb\\r\\nc"; printf "e1\\ne2" >&2'], {
      onLine: (line) => lines.push(line),
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('a\nb\r\nc')
    expect(lines.filter((l) => !l.startsWith('e'))).toEqual(['a', 'b', 'c'])
    expect(lines.filter((l) => l.startsWith('e'))).toEqual(['e1', 'e2'])
  })

  it('hands a process started ahead to the first identical call, once', async () => {
    const args = ['-c', 'echo $$']
    startAhead('sh', args)
    const first = await runProcess('sh', args)
    const second = await runProcess('sh', args)
    expect(first.exitCode).toBe(0)
    // Two processes, two pids: the second call started its own.
    expect(second.stdout).not.toBe(first.stdout)
    // With options, a call never takes one started ahead.
    startAhead('sh', ['-c', 'echo ahead'])
    expect((await runProcess('sh', ['-c', 'echo ahead'], { env: { X: '1' } })).stdout).toBe('ahead')
  })

  it('starts one kept to start later only then, and a call asking sooner waits for that one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'caiged-spawn-'))
    const file = path.join(dir, 'runs')
    // A child gets this process's environment as it is when it is spawned: the phase it echoes says
    // when that was, whatever the machine's load. Each run adds a line, so the file counts them.
    const args = ['-c', `echo "$CAIGED_TEST_SPAWN_PHASE" >> ${file}; cat ${file}`]
    process.env.CAIGED_TEST_SPAWN_PHASE = 'before after settled'
    try {
      let release!: () => void
      const after = new Promise<void>((resolve) => (release = resolve))
      startAhead('sh', args, { after })
      const asked = runProcess('sh', args)
      await settled()
      process.env.CAIGED_TEST_SPAWN_PHASE = 'after settled'
      release()
      // One process, the one kept, spawned only once `after` had settled: one spawned sooner (by
      // startAhead or by the call asking) would have echoed the earlier phase.
      expect((await asked).stdout).toBe('after settled')
    } finally {
      delete process.env.CAIGED_TEST_SPAWN_PHASE
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('starts one kept for later also when what it waits for fails', async () => {
    const args = ['-c', 'echo anyway']
    startAhead('sh', args, { after: Promise.reject(new Error('the inspect failed')) })
    expect((await runProcess('sh', args)).stdout).toBe('anyway')
  })

  it('hands the result to the caller that takes it only once handOverAfter has settled', async () => {
    const args = ['-c', 'echo handed']
    let release!: () => void
    const handOverAfter = new Promise<void>((resolve) => (release = resolve))
    const started = startAhead('sh', args, { handOverAfter })
    // The one who started it has the result at once; the caller taking it waits.
    expect((await started).stdout).toBe('handed')
    let taken: string | undefined
    const asked = runProcess('sh', args).then((r) => (taken = r.stdout))
    // The result is already there: handed on without waiting, it would be taken by now.
    await settled()
    expect(taken).toBeUndefined()
    release()
    await asked
    expect(taken).toBe('handed')
  })
})
