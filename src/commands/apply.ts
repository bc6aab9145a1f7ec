import { Args } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { applyWorkspace, type ChangedFile } from '../flows/workspace-copy.js'

export default class Apply extends BaseCommand {
  static override summary = 'Bring an agent’s changes from its copy into the project (--workspace copy).'
  static override description =
    'Applies what `caiged diff NAME` shows to the project folder, all or nothing: when the project changed ' +
    'the same lines since the agent was given its copy, nothing is changed and the files are named. ' +
    'Afterwards the copy counts those changes as given, so the next diff shows only what is new. ' +
    'Git history is not touched: the changes land in the working tree, for you to review and commit.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }

  async run(): Promise<{ name: string; files: ChangedFile[] }> {
    const { args } = await this.parse(Apply)
    const result = await applyWorkspace({ name: args.name }, this.deps)
    this.log(
      result.files.length === 0
        ? `${result.name} has changed nothing in its copy: nothing to apply.`
        : `Applied ${result.files.length} file${result.files.length === 1 ? '' : 's'} from ${result.name}: ${result.files.map((f) => f.path).join(', ')}.`,
    )
    return result
  }
}
