import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { listSettings, type SettingRow } from '../../flows/config.js'
import { renderTable } from '../../ui/table.js'

export default class ConfigList extends BaseCommand {
  static override summary = 'Show every setting, its value and where it comes from.'
  static override description =
    'Your defaults live in $XDG_CONFIG_HOME/caiged/config.json (~/.config/caiged/config.json); a project ' +
    'can commit its own in .caiged/config.json (default spin, packages, egress rules, publish ports, resources; the Docker socket, ' +
    'secrets, a writable GitHub config or open egress only with your consent). Each setting shows its ' +
    'source: project, user or default. Flags given to a command win over all of them.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project-dir ~/code/app --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    'project-dir': Flags.string({
      description: 'The project folder whose .caiged/config.json counts (default: the current folder).',
      default: '.',
    }),
  }

  async run(): Promise<{ files: { user: string; project?: string }; settings: SettingRow[] }> {
    const { flags } = await this.parse(ConfigList)
    const result = await listSettings({ workdir: flags['project-dir'] }, this.deps)
    this.log(`# ${result.files.user}${result.files.project ? `\n# ${result.files.project}` : ''}`)
    this.log(
      renderTable(
        ['SETTING', 'VALUE', 'SOURCE'],
        result.settings.map((s) => [
          s.key,
          s.value === undefined ? '-' : typeof s.value === 'string' ? s.value : JSON.stringify(s.value),
          s.source,
        ]),
      ),
    )
    return result
  }
}
