import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { stopContainer, type StopResult } from '../../flows/containers.js'

export default class ContainersStop extends BaseCommand {
  static override summary = 'Stop a caiged container; its sessions are kept.'
  static override description =
    'Stopping keeps the container and its sessions volume: caiged run (or containers start) resumes it on ' +
    'the same port. With --remove the container is removed too, but its sessions volume stays; ' +
    'caiged containers rm --volumes deletes everything.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app -r',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }
  static override flags = {
    remove: Flags.boolean({ char: 'r', description: 'Also remove the container (not its sessions volume).' }),
  }

  async run(): Promise<StopResult> {
    const { args, flags } = await this.parse(ContainersStop)
    const r = await stopContainer({ name: args.name, remove: flags.remove }, this.deps)
    if (r.outcome === 'removed') {
      this.log(`Removed ${r.name}; its sessions stay in volume ${r.volume}.`)
      this.log(`Start it again (sessions kept): ${r.resume}`)
    } else {
      if (r.outcome === 'already stopped') this.log(`${r.name} is already stopped.`)
      this.log(
        `Stopped ${r.name} (sessions kept). Resume: caiged containers start ${r.name}  or  ${r.resume}`,
      )
    }
    return r
  }
}
