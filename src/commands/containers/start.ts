import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { startContainer } from '../../flows/containers.js'

export default class ContainersStart extends BaseCommand {
  static override summary = 'Start a stopped caiged container and wait until its server is ready.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }

  async run(): Promise<{ name: string; url: string; started: boolean }> {
    const { args } = await this.parse(ContainersStart)
    const result = await startContainer({ name: args.name }, this.deps)
    this.log(
      result.started
        ? `Started ${result.name}: ${result.url}   Connect: caiged connect ${result.name}`
        : `${result.name} is already running at ${result.url}`,
    )
    return result
  }
}
