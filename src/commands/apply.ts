import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { applyAsBranch, applyWorkspace, type ChangedFile } from '../flows/workspace/changes.js'

export default class Apply extends BaseCommand {
  static override summary = 'Bring an agent’s changes from its copy into the project (--workspace copy).'
  static override description =
    'Applies what `caiged diff NAME` shows to the project folder, all or nothing: when the project changed ' +
    'the same lines since the agent was given its copy, nothing is changed and the files are named. ' +
    'Afterwards the copy counts those changes as given, so the next diff shows only what is new. ' +
    'The changes land in the working tree, for you to review and commit. With --branch, the agent’s ' +
    'commits become that branch of the project’s repository instead, touching nothing else.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --branch caiged/my-change',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }
  static override flags = {
    branch: Flags.string({
      description:
        'Make the agent’s commits this branch of the project’s repository (e.g. caiged/NAME) rather than applying its changes to the files.',
      helpValue: 'BRANCH',
    }),
  }

  async run(): Promise<{ name: string; files?: ChangedFile[]; branch?: string; commits?: number }> {
    const { args, flags } = await this.parse(Apply)
    if (flags.branch !== undefined) {
      const made = await applyAsBranch({ name: args.name, branch: flags.branch }, this.deps)
      this.log(
        `Made the branch ${made.branch} with ${made.commits} commit${made.commits === 1 ? '' : 's'} of ${made.name} (git log ${made.branch}).`,
      )
      return made
    }
    const result = await applyWorkspace({ name: args.name }, this.deps)
    this.log(
      result.files.length === 0
        ? `${result.name} has changed nothing in its copy: nothing to apply.`
        : `Applied ${result.files.length} file${result.files.length === 1 ? '' : 's'} from ${result.name}: ${result.files.map((f) => f.path).join(', ')}.`,
    )
    return result
  }
}
