import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { syncWorkspace } from '../flows/workspace/changes.js'

export default class Sync extends BaseCommand {
  static override summary = 'Make an agent’s copy of the project anew from the project (--workspace copy).'
  static override description =
    'Replaces the agent’s copy with the project as it is now (for a git repository, with its history). ' +
    'Refused while the agent has changes you have not applied (caiged diff NAME shows them), unless --force, ' +
    'which drops them.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --force',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }
  static override flags = {
    force: Flags.boolean({ description: 'Drop the agent’s changes that were not applied.' }),
  }

  async run(): Promise<{ name: string }> {
    const { args, flags } = await this.parse(Sync)
    const result = await syncWorkspace({ name: args.name, force: flags.force }, this.deps)
    this.log(`${result.name} works on a fresh copy of its project now.`)
    return result
  }
}
