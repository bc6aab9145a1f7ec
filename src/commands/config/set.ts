import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { CONFIG_KEYS, UserConfigSchema, configProblems, setPath } from '../../config/schema.js'
import { configFile, loadUserConfig, saveUserConfig } from '../../config/store.js'
import { CaigedError, ExitCode, usageError } from '../../errors.js'

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
    if (!(CONFIG_KEYS as readonly string[]).includes(args.key)) {
      throw usageError(`Unknown setting "${args.key}".`, `Settings: ${CONFIG_KEYS.join(', ')}.`)
    }
    if (args.value === undefined && !flags.unset)
      throw usageError(`Give a value for ${args.key}, or --unset.`)
    const value = flags.unset ? undefined : parseValue(args.value as string)
    const next = setPath(await loadUserConfig(), args.key, value)
    const parsed = UserConfigSchema.safeParse(next)
    if (!parsed.success) {
      throw new CaigedError(`Not saved: ${configProblems(parsed.error).join('; ')}.`, {
        exitCode: ExitCode.Usage,
      })
    }
    await saveUserConfig(parsed.data)
    this.log(flags.unset ? `Removed ${args.key} from ${configFile()}` : `Set ${args.key} in ${configFile()}`)
  }
}

/** JSON when it parses as such (numbers, booleans, lists), the plain text otherwise. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
