import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { containerPorts, forwardPorts, type PortRow } from '../../flows/containers.js'
import { renderTable } from '../../ui/table.js'

export default class ContainersPort extends BaseCommand {
  static override summary = 'Show where a container’s ports are reached on this machine (127.0.0.1 only).'
  static override description =
    'Lists the OpenCode server’s port and every dev-server port published with caiged run --publish ' +
    '(or publish in your config or the project’s). With PORT, prints just where that one is reached, for scripts. ' +
    'For an agent on another machine’s engine they are that machine’s 127.0.0.1: --forward brings them to this ' +
    'one’s (the same port numbers where free) until Ctrl+C.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    'open "http://$(<%= config.bin %> <%= command.id %> caiged-dev-code-my-app 5173)"',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --forward',
  ]
  static override enableJsonFlag = true
  static override args = {
    name: Args.string({ description: 'The container name.', required: true }),
    port: Args.integer({ description: 'A port inside the container.', min: 1, max: 65535 }),
  }
  static override flags = {
    forward: Flags.boolean({
      description:
        'An agent on another machine’s engine: forward its ports to this machine’s 127.0.0.1 and hold them until Ctrl+C.',
    }),
  }

  async run(): Promise<PortRow[] | undefined> {
    const { args, flags } = await this.parse(ContainersPort)
    const d = this.deps
    const found = await containerPorts({ name: args.name, port: args.port }, d)
    const here = await d.engine.onThisMachine()
    const rows = flags.forward ? await forwardPorts(args.name, found, d) : found
    const where = here || flags.forward ? 'ON THIS MACHINE' : `ON ${d.engine.label.toUpperCase()}`
    if (args.port !== undefined) this.log(`127.0.0.1:${rows[0]?.host}`)
    else
      this.log(
        renderTable(
          ['PORT', where, 'WHAT'],
          rows.map((r) => [String(r.container), `127.0.0.1:${r.host}`, r.what]),
        ),
      )
    if (!here && !flags.forward)
      d.io.warn(`These are ${d.engine.label}'s 127.0.0.1: --forward brings them to this machine's.`)
    if (!here && flags.forward) {
      // --json: the rows now, not when Ctrl+C ends it.
      if (this.jsonEnabled()) this.logJson(rows)
      d.io.warn('Forwarding to this machine until Ctrl+C.')
      await untilInterrupted()
      // Printed already: nothing more on stdout.
      if (this.jsonEnabled()) return undefined
    }
    return rows
  }
}

/** Resolves on Ctrl+C (SIGINT) or SIGTERM; holds the process open until then (the forwards end with it). */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const hold = setInterval(() => undefined, 60_000)
    const done = () => {
      clearInterval(hold)
      resolve()
    }
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
}
