import { BaseCommand } from '../../base-command.js'
import type { UserConfig } from '../../config/schema.js'
import { configFile, loadUserConfig } from '../../config/store.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'Show your caiged defaults (config.json).'
  static override description =
    'Defaults live in $XDG_CONFIG_HOME/caiged/config.json (~/.config/caiged/config.json). Flags given to ' +
    'a command always win over them.'
  static override enableJsonFlag = true

  async run(): Promise<UserConfig> {
    const config = await loadUserConfig()
    this.log(`# ${configFile()}`)
    this.log(JSON.stringify(config, null, 2))
    return config
  }
}
