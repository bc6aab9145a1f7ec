import { Args } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { connectAgent } from '../flows/connect.js'

export default class Connect extends BaseCommand {
  static override summary = 'Attach the OpenCode TUI to a running caiged container.'
  static override description =
    'Checks that the server answers with the password derived for this container, compares its OpenCode ' +
    'version with yours, and continues the latest session of /workspace. The TUI’s exit code becomes ' +
    'caiged’s.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override args = {
    name: Args.string({
      description: 'The container name (caiged containers list shows them).',
      required: true,
    }),
  }

  async run(): Promise<void> {
    const { args } = await this.parse(Connect)
    const code = await connectAgent({ name: args.name }, this.deps)
    if (code !== 0) this.exit(code)
  }
}
