import { Listr, type DefaultRenderer, type ListrTask, type VerboseRenderer } from 'listr2'

export type Task<Ctx> = ListrTask<Ctx, typeof DefaultRenderer, typeof VerboseRenderer>

/**
 * listr2 with caiged's rules: live in a terminal; plain, greppable lines when not a TTY or under CI;
 * silent in --json mode, so stdout holds only the JSON.
 */
export function taskList<Ctx>(
  tasks: Task<Ctx>[],
  options: { json: boolean },
): Listr<Ctx, 'default', 'verbose'> {
  return new Listr<Ctx, 'default', 'verbose'>(tasks, {
    concurrent: false,
    exitOnError: true,
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false },
    fallbackRenderer: 'verbose',
    fallbackRendererCondition: () => !process.stdout.isTTY || Boolean(process.env.CI),
    silentRendererCondition: () => options.json,
  })
}
