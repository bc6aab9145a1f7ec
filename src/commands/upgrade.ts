import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { upgradeContainers, type UpgradeResult } from '../flows/upgrade.js'

export default class Upgrade extends BaseCommand {
  static override summary = 'Bring containers to the host’s OpenCode and a current image; sessions kept.'
  static override description =
    'For each container: the image for the host client’s OpenCode version is pulled (when published) or ' +
    'built, and the container recreated with the settings it was made with (read from its labels). Its ' +
    'sessions volume and the tools the agent installed in user space (~/.local, npm -g, pip --user, ' +
    'mise) are kept. caiged containers outdated lists what --all would upgrade.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> --all',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = { name: Args.string({ description: 'The containers to upgrade.' }) }
  static override flags = {
    all: Flags.boolean({ description: 'Every container that caiged containers outdated lists.' }),
  }

  async run(): Promise<UpgradeResult[]> {
    const { argv, flags } = await this.parse(Upgrade)
    const results = await upgradeContainers({ names: argv as string[], all: flags.all }, this.deps)
    if (results.length === 0) this.log('Every container is up to date.')
    for (const r of results)
      this.log(`${r.name}: ${r.action}, OpenCode ${r.opencodeVersion} (sessions kept).`)
    return results
  }
}
