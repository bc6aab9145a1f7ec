import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { destinationOf, isoTime, type EgressLogRow } from '../../egress/log.js'
import { egressLog, followEgressLog } from '../../flows/egress.js'
import { renderTable } from '../../ui/table.js'

export default class EgressLog extends BaseCommand {
  static override summary = 'List the destinations an agent tried to reach, allowed or denied.'
  static override description =
    'Reads the access log of the agent’s egress gateway: each destination (host:port) with its decision ' +
    '(allowed or denied), how often it was asked for and when last, and for a denied one the command ' +
    'that allows it. With --follow, each request is ' +
    'printed as it happens, until interrupted (with --json, one JSON object per line).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --json | jq -r \'.[] | select(.decision == "denied") | .destination\'',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app -f',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Print each request as it happens, until interrupted.' }),
  }

  async run(): Promise<EgressLogRow[] | undefined> {
    const { args, flags } = await this.parse(EgressLog)
    if (flags.follow) {
      await followEgressLog({ name: args.name }, this.deps, (e) => {
        const row = {
          destination: destinationOf(e),
          decision: e.decision,
          method: e.method,
          time: isoTime(e.time),
        }
        process.stdout.write(
          this.jsonEnabled()
            ? `${JSON.stringify(row)}\n`
            : `${row.time}  ${row.decision.padEnd(7)}  ${row.method} ${row.destination}\n`,
        )
      })
      return undefined
    }
    const rows = await egressLog({ name: args.name }, this.deps)
    if (rows.length === 0) this.log(`${args.name} has tried to reach nothing outside yet.`)
    else
      this.log(
        renderTable(
          ['DESTINATION', 'DECISION', 'COUNT', 'LAST', 'TO ALLOW IT'],
          rows.map((r) => [r.destination, r.decision, String(r.count), r.last, r.fix ?? '']),
        ),
      )
    return rows
  }
}
