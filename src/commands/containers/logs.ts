import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'

export default class ContainersLogs extends BaseCommand {
  static override summary = 'Show the OpenCode server log of a caiged container.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app -f']
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }
  static override flags = { follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines.' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ContainersLogs)
    const { docker, containers } = this.deps
    const container = await containers.get(args.name)
    const code = await docker.containers.logsInteractive(container.Name, flags.follow)
    if (code !== 0) this.exit(code)
  }
}
