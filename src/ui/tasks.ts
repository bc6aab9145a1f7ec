import {
  Listr,
  ListrTaskEventType,
  ListrTaskState,
  type DefaultRenderer,
  type ListrTask,
  type VerboseRenderer,
} from 'listr2'

export type Task<Ctx> = ListrTask<Ctx, typeof DefaultRenderer, typeof VerboseRenderer>

/**
 * listr2 with caiged's rules: live in a terminal; plain, greppable lines when not a TTY or under CI;
 * silent in --json mode, so stdout holds only the JSON. Inside a task of an outer list (`report`:
 * upgrade's, one task per container) it draws nothing and tells each step to that task instead:
 * two live renderers would draw over each other.
 */
export function taskList<Ctx>(
  tasks: Task<Ctx>[],
  options: { json: boolean; report?: (line: string) => void },
): Listr<Ctx, 'default', 'verbose'> {
  const { report } = options
  const list = new Listr<Ctx, 'default', 'verbose'>(tasks, {
    concurrent: false,
    exitOnError: true,
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false },
    fallbackRenderer: 'verbose',
    fallbackRendererCondition: () => !process.stdout.isTTY || Boolean(process.env.CI),
    silentRendererCondition: () => options.json || report !== undefined,
    // The outer list owns Ctrl-C.
    registerSignalListeners: report === undefined,
  })
  if (report) {
    for (const task of list.tasks) {
      task.on(ListrTaskEventType.STATE, (state) => {
        if (state === ListrTaskState.STARTED && task.title) report(task.title)
      })
      task.on(ListrTaskEventType.TITLE, (title) => report(title))
      task.on(ListrTaskEventType.OUTPUT, (line) => report(line))
    }
  }
  return list
}
