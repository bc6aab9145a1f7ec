import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { listContainers, type ListedRow } from '../../flows/containers.js'
import { renderTable } from '../../ui/table.js'

/** The preset, and when the agent runs without its gateway, that it has no way out until `run`. */
function egressCell(r: ListedRow): string {
  if (r.gateway === 'none' || r.gateway === 'running' || r.state !== 'running') return r.egress
  return `${r.egress} (gateway ${r.gateway === 'missing' ? 'gone' : 'down'}: no egress; caiged run restores it)`
}

export default class ContainersList extends BaseCommand {
  static override summary = 'List caiged containers, running and stopped.'
  static override description =
    'Shows every container caiged made (found by its io.caiged.managed label, never by name), with its ' +
    'spin, project, state, the 127.0.0.1 port its OpenCode server listens on, and its egress policy (open, ' +
    'balanced or locked; and whether the gateway that enforces it runs).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json | jq -r \'.[] | select(.state == "running") | .name\'',
  ]
  static override enableJsonFlag = true
  static override flags = {
    'show-session-password': Flags.boolean({
      description:
        'Also show each server password (derived from the salt; anyone who sees it can drive the agent).',
    }),
  }

  async run(): Promise<ListedRow[]> {
    const { flags } = await this.parse(ContainersList)
    const rows = await listContainers({ passwords: flags['show-session-password'] }, this.deps)
    if (rows.length === 0) {
      this.log('No caiged containers. Start one with: caiged run . --spin dev')
      return rows
    }
    const headers = ['NAME', 'SPIN', 'PROJECT', 'STATE', 'PORT', 'EGRESS', 'STATUS']
    if (flags['show-session-password']) headers.push('PASSWORD')
    this.log(
      renderTable(
        headers,
        rows.map((r) => {
          const cells = [
            r.name,
            r.spin,
            r.project,
            r.state,
            [
              r.port ? `127.0.0.1:${r.port}` : '-',
              ...r.published.map((p) => `${p.container}→127.0.0.1:${p.host}`),
            ].join(', '),
            egressCell(r),
            r.status,
          ]
          if (r.password) cells.push(r.password)
          return cells
        }),
      ),
    )
    return rows
  }
}
