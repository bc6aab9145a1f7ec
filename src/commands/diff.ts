import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { workspaceDiff, type ChangedFile } from '../flows/workspace/changes.js'

export default class Diff extends BaseCommand {
  static override summary = 'Show what an agent changed in its copy of the project (--workspace copy).'
  static override description =
    'A unified diff of the agent’s copy against what it was given (its commits and its working tree, new ' +
    'files too; what .gitignore ignores is left out), read from the copy without starting a stopped agent. ' +
    '`caiged apply NAME` brings it into the project.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --stat',
    "<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --json | jq -r '.files[].path'",
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }
  static override flags = {
    stat: Flags.boolean({ description: 'A summary of the files changed instead of the diff.' }),
  }

  async run(): Promise<{ name: string; files: ChangedFile[] }> {
    const { args, flags } = await this.parse(Diff)
    const { name, patch, files } = await workspaceDiff({ name: args.name, stat: flags.stat }, this.deps)
    if (this.jsonEnabled()) return { name, files }
    if (files.length === 0) this.log(`${name} has changed nothing in its copy since it was given it.`)
    else process.stdout.write(patch.endsWith('\n') ? patch : `${patch}\n`)
    return { name, files }
  }
}
