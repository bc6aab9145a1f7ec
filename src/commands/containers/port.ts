import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { containerPorts, type PortRow } from '../../flows/containers.js'
import { renderTable } from '../../ui/table.js'

export default class ContainersPort extends BaseCommand {
  static override summary = 'Show where a container’s ports are reached on this machine (127.0.0.1 only).'
  static override description =
    'Lists the OpenCode server’s port and every dev-server port published with caiged run --publish ' +
    '(or publish in your config or the project’s). With PORT, prints just where that one is reached, for scripts.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    'open "http://$(<%= config.bin %> <%= command.id %> caiged-dev-code-my-app 5173)"',
  ]
  static override enableJsonFlag = true
  static override args = {
    name: Args.string({ description: 'The container name.', required: true }),
    port: Args.integer({ description: 'A port inside the container.', min: 1, max: 65535 }),
  }

  async run(): Promise<PortRow[]> {
    const { args } = await this.parse(ContainersPort)
    const rows = await containerPorts({ name: args.name, port: args.port }, this.deps)
    if (args.port !== undefined) this.log(`127.0.0.1:${rows[0]?.host}`)
    else
      this.log(
        renderTable(
          ['PORT', 'ON THIS MACHINE', 'WHAT'],
          rows.map((r) => [String(r.container), `127.0.0.1:${r.host}`, r.what]),
        ),
      )
    return rows
  }
}
