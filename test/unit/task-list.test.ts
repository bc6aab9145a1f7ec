import { describe, expect, it } from 'vitest'
import { taskList } from '../../src/ui/tasks.js'

describe('taskList inside an outer task', () => {
  it('draws nothing and tells each step, its output and its last title to the outer task', async () => {
    const told: string[] = []
    await taskList<object>(
      [
        { title: 'Skipped step', enabled: () => false, task: () => undefined },
        {
          title: 'Build',
          task: (_, task) => {
            task.output = 'step 1/2'
            task.title = 'Built'
          },
        },
        { title: 'Wait for the server', task: () => undefined },
      ],
      { json: false, report: (line) => told.push(line) },
    ).run({})
    expect(told).toEqual(['Build', 'step 1/2', 'Built', 'Wait for the server'])
  })

  it('fails as the step failed', async () => {
    const list = taskList<object>(
      [
        {
          title: 'Build',
          task: () => {
            throw new Error('no space left')
          },
        },
      ],
      { json: false, report: () => undefined },
    )
    await expect(list.run({})).rejects.toThrow('no space left')
  })
})
