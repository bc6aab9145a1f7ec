import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { CONFIG_KEYS } from '../../config/schema.js'
import { setSetting } from '../../flows/config.js'

export default class ConfigSet extends BaseCommand {
  static override summary =
    'Set (or with --unset, remove) one setting; the result is validated before it is written.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> defaultSpin dev',
    '<%= config.bin %> <%= command.id %> mounts.gh none',
    '<%= config.bin %> <%= command.id %> secretEnv \'["JFROG_TOKEN"]\'',
    '<%= config.bin %> <%= command.id %> resources.memory 4g',
    '<%= config.bin %> <%= command.id %> git.identity agent',
    '<%= config.bin %> <%= command.id %> resources.cpus --unset',
  ]
  static override args = {
    key: Args.string({ description: `One of: ${CONFIG_KEYS.join(', ')}.`, required: true }),
    value: Args.string({ description: 'The value: JSON (2, true, ["A"]) or plain text.' }),
  }
  static override flags = { unset: Flags.boolean({ description: 'Remove the setting.' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ConfigSet)
    const { file } = await setSetting({ key: args.key, value: args.value, unset: flags.unset }, this.deps)
    this.log(flags.unset ? `Removed ${args.key} from ${file}` : `Set ${args.key} in ${file}`)
  }
}
