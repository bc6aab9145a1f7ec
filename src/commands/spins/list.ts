import { projectFlag } from '../../flags.js'
import { BaseCommand } from '../../base-command.js'
import { listAllSpins } from '../../flows/spins.js'
import type { SpinLocation } from '../../spins/discovery.js'
import { renderTable } from '../../ui/table.js'

export default class SpinsList extends BaseCommand {
  static override summary = 'List the spins caiged can run, and where each comes from.'
  static override description =
    'Spins are found in three places, the first one holding a name winning: the project ' +
    '(<project>/.caiged/spins/<name>), the user ($XDG_CONFIG_HOME/caiged/spins/<name>, default ' +
    '~/.config/caiged/spins) and the built-in ones shipped with caiged (dev, qa, security).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    project: projectFlag,
  }

  async run(): Promise<SpinLocation[]> {
    const { flags } = await this.parse(SpinsList)
    const spins = await listAllSpins({ project: flags.project }, this.deps)
    this.log(
      renderTable(
        ['NAME', 'SOURCE', 'PATH'],
        spins.map((s) => [s.name, s.source, s.dir]),
      ),
    )
    return spins
  }
}
