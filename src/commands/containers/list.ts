import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { MANAGED_FILTER } from '../../containers/labels.js'
import { toContainerRow, type ContainerRow } from '../../containers/listing.js'
import { derivePassword } from '../../containers/password.js'
import { Docker } from '../../docker/index.js'
import { CaigedError, ExitCode } from '../../errors.js'
import { saltFile } from '../../paths.js'
import { readSalt } from '../../state/salt.js'
import { renderTable } from '../../ui/table.js'

type Row = ContainerRow & { password?: string }

export default class ContainersList extends BaseCommand {
  static override summary = 'List caiged containers, running and stopped.'
  static override description =
    'Shows every container caiged made (found by its io.caiged.managed label, never by name), with its ' +
    'spin, project, state and the 127.0.0.1 port its OpenCode server listens on.'
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

  async run(): Promise<Row[]> {
    const { flags } = await this.parse(ContainersList)
    // Read (never create) the salt first: a corrupt one is reported before anything else is done.
    const salt = flags['show-session-password'] ? await readSalt(saltFile()) : undefined
    const docker = new Docker()
    const entries = await docker.containers.list({ all: true, labels: MANAGED_FILTER })
    const rows: Row[] = entries.map(toContainerRow).sort((a, b) => a.name.localeCompare(b.name))
    if (flags['show-session-password'] && rows.length > 0) {
      if (salt === undefined) {
        throw new CaigedError(`There is no salt file (${saltFile()}), so no password can be derived.`, {
          exitCode: ExitCode.Config,
          hint: 'Containers made with another salt must be recreated to be reachable.',
        })
      }
      for (const row of rows) row.password = derivePassword(row.name, salt)
    }

    if (rows.length === 0) {
      this.log('No caiged containers. Start one with: caiged run . --spin dev')
      return rows
    }
    const headers = ['NAME', 'SPIN', 'PROJECT', 'STATE', 'PORT', 'STATUS']
    if (flags['show-session-password']) headers.push('PASSWORD')
    this.log(
      renderTable(
        headers,
        rows.map((r) => {
          const cells = [r.name, r.spin, r.project, r.state, r.port ? `127.0.0.1:${r.port}` : '-', r.status]
          if (r.password) cells.push(r.password)
          return cells
        }),
      ),
    )
    return rows
  }
}
