import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { CONFIG_KEYS, getPath } from '../../config/schema.js'
import { loadUserConfig } from '../../config/store.js'
import { usageError } from '../../errors.js'

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
    if (!(CONFIG_KEYS as readonly string[]).includes(args.key)) {
      throw usageError(`Unknown setting "${args.key}".`, `Settings: ${CONFIG_KEYS.join(', ')}.`)
    }
    const value = getPath(await loadUserConfig(), args.key)
    if (value !== undefined) this.log(typeof value === 'string' ? value : JSON.stringify(value))
  }
}
