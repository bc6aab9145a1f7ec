import { BaseCommand } from '../../base-command.js'
import { outdatedContainers, type OutdatedRow } from '../../flows/upgrade.js'
import { renderTable } from '../../ui/table.js'

export default class ContainersOutdated extends BaseCommand {
  static override summary =
    'List containers whose OpenCode is not the host client’s, or whose image is stale.'
  static override description =
    'A container runs the OpenCode version it was made with; after the host client is upgraded, or a spin ' +
    'or caiged changes, it is behind. caiged upgrade NAME (or --all) brings it up to date, sessions kept.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<OutdatedRow[]> {
    const rows = await outdatedContainers(this.deps)
    const behind = rows.filter((r) => r.reasons.length > 0)
    if (behind.length === 0) this.log('Every container is up to date.')
    else
      this.log(
        renderTable(
          ['NAME', 'OPENCODE', 'WHY'],
          behind.map((r) => [r.name, r.opencodeVersion, r.reasons.join('; ')]),
        ),
      )
    return rows
  }
}
