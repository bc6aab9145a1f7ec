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

  it('starts one kept for later only once `after` has settled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'caiged-spawn-'))
    const file = path.join(dir, 'runs')
    // A child gets this process's environment as it is when it is spawned: the phase it echoes says
    // when that was, whatever the machine's load. Each run adds a line, so the file counts them.
    const args = ['-c', `echo "$CAIGED_TEST_SPAWN_PHASE" >> ${file}; cat ${file}`]
    process.env.CAIGED_TEST_SPAWN_PHASE = 'before after settled'
    try {
      let release!: () => void
      const after = new Promise<void>((resolve) => (release = resolve))
      const started = startAhead('sh', args, { after })
      await settled()
      process.env.CAIGED_TEST_SPAWN_PHASE = 'after settled'
      release()
      // One process, spawned only once `after` had settled: one spawned sooner would have echoed
      // the earlier phase (and a second one a second line).
      expect((await started.result).stdout).toBe('after settled')
    } finally {
      delete process.env.CAIGED_TEST_SPAWN_PHASE
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('starts one kept for later also when what it waits for fails', async () => {
    const started = startAhead('sh', ['-c', 'echo anyway'], {
      after: Promise.reject(new Error('the inspect failed')),
    })
    expect((await started.result).stdout).toBe('anyway')
  })

  it('hands the result on only once handOverAfter has settled; the one who started it has it at once', async () => {
    let release!: () => void
    const handOverAfter = new Promise<void>((resolve) => (release = resolve))
    const started = startAhead('sh', ['-c', 'echo handed'], { handOverAfter })
    expect((await started.result).stdout).toBe('handed')
    let taken: string | undefined
    const handed = started.handedOver.then((r) => (taken = r.stdout))
    // The result is already there: handed on without waiting, it would be taken by now.
    await settled()
    expect(taken).toBeUndefined()
    release()
    await handed
    expect(taken).toBe('handed')
  })

  it('never hands a process started ahead to a runProcess call: only what was kept for it', async () => {
    const started = startAhead('sh', ['-c', 'echo $$'])
    const asked = await runProcess('sh', ['-c', 'echo $$'])
    // Two processes, two pids.
    expect(asked.stdout).not.toBe((await started.result).stdout)
  })
})
