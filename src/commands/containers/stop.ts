import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { Label } from '../../containers/labels.js'
import { ConfigLabel } from '../../containers/run-spec.js'
import { ContainerService } from '../../containers/service.js'
import { Docker } from '../../docker/index.js'

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
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }
  static override flags = {
    remove: Flags.boolean({ char: 'r', description: 'Also remove the container (not its sessions volume).' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ContainersStop)
    const docker = new Docker()
    const container = await new ContainerService(docker).get(args.name)
    if (container.State.Running) await docker.containers.stop(container.Name)
    else this.log(`${container.Name} is already stopped.`)
    const labels = container.Config.Labels
    const resume = `caiged run ${JSON.stringify(labels[Label.workdir] ?? '.')} --spin ${labels[Label.spin] ?? 'SPIN'}${
      labels[Label.project] ? ` --project ${labels[Label.project]}` : ''
    }`
    if (flags.remove) {
      await docker.containers.remove(container.Name, { force: true })
      this.log(
        `Removed ${container.Name}; its sessions stay in volume ${labels[ConfigLabel.volume] ?? `${container.Name}-data`}.`,
      )
      this.log(`Start it again (sessions kept): ${resume}`)
    } else {
      this.log(
        `Stopped ${container.Name} (sessions kept). Resume: caiged containers start ${container.Name}  or  ${resume}`,
      )
    }
  }
}
