import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { removeContainers } from '../../flows/containers.js'

export default class ContainersRm extends BaseCommand {
  static override summary = 'Remove caiged containers (and, with --volumes, their sessions).'
  static override description =
    'A running container is only removed with --force. Sessions live in a volume per container and are ' +
    'kept unless --volumes is given. --all asks first, unless --force.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app --volumes',
    '<%= config.bin %> <%= command.id %> --all --force',
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'Container names.' }) }
  static override flags = {
    all: Flags.boolean({ description: 'Every caiged container of this IMAGE_PREFIX.' }),
    volumes: Flags.boolean({ description: 'Also delete their sessions volumes.' }),
    force: Flags.boolean({ char: 'f', description: 'Remove running containers too, and do not ask.' }),
  }

  async run(): Promise<{ removed: string[]; gone: string[]; volumes: string[] }> {
    const { argv, flags } = await this.parse(ContainersRm)
    const result = await removeContainers(
      { names: argv as string[], all: flags.all, volumes: flags.volumes, force: flags.force },
      this.deps,
    )
    for (const name of result.removed) {
      const volume = result.volumes.find((v) => v.startsWith(`${name}-`))
      this.log(
        `Removed ${name}${flags.volumes ? ` and its sessions${volume ? ` (${volume})` : ''}` : ' (sessions kept)'}`,
      )
    }
    for (const name of result.gone) this.log(`${name} was already removed by another command`)
    if (result.removed.length + result.gone.length === 0) this.log('No caiged containers.')
    return result
  }
}
