import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { connectAgent } from '../flows/connect.js'

export default class Connect extends BaseCommand {
  static override summary = 'Attach the OpenCode TUI to a running caiged container.'
  static override description =
    'Checks that the server answers with the password derived for this container, compares its OpenCode ' +
    'version with yours, and continues the latest session of /workspace (or the one --session names: ' +
    'caiged prints that line when the TUI exits). The TUI’s exit code becomes caiged’s.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --session ses_4f1c2a9e0ffeK2mZ',
  ]
  static override args = {
    name: Args.string({
      description: 'The container name (caiged containers list shows them).',
      required: true,
    }),
  }
  static override flags = {
    session: Flags.string({
      description: 'The session to continue (ses_…), instead of the latest one.',
    }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Connect)
    const code = await connectAgent({ name: args.name, session: flags.session }, this.deps)
    if (code !== 0) this.exit(code)
  }
}
