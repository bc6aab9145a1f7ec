import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { CONFIG_KEYS } from '../../config/schema.js'
import { getSetting } from '../../flows/config.js'

export default class ConfigGet extends BaseCommand {
  static override summary = 'Print one setting (empty when it is not set).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> defaultSpin',
    '<%= config.bin %> <%= command.id %> git.identity',
  ]
  static override args = {
    key: Args.string({ description: `One of: ${CONFIG_KEYS.join(', ')}.`, required: true }),
  }

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigGet)
    const value = await getSetting({ key: args.key }, this.deps)
    if (value !== undefined) this.log(typeof value === 'string' ? value : JSON.stringify(value))
  }
}
