import { describe, expect, it } from 'vitest'
import { runProcess, startAhead } from '../../src/process/spawn.js'

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
})
