import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { MANAGED_FILTER } from '../../containers/labels.js'
import { ConfigLabel, volumeName } from '../../containers/run-spec.js'
import { ContainerService } from '../../containers/service.js'
import { Docker } from '../../docker/index.js'
import { CaigedError, usageError } from '../../errors.js'
import { confirm } from '../../ui/prompt.js'

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
    all: Flags.boolean({ description: 'Every caiged container.' }),
    volumes: Flags.boolean({ description: 'Also delete their sessions volumes.' }),
    force: Flags.boolean({ char: 'f', description: 'Remove running containers too, and do not ask.' }),
  }

  async run(): Promise<{ removed: string[]; volumes: string[] }> {
    const { argv, flags } = await this.parse(ContainersRm)
    const names = argv as string[]
    if (names.length > 0 && flags.all) throw usageError('Name containers or use --all, not both.')
    if (names.length === 0 && !flags.all) throw usageError('Which containers? Name them, or use --all.')
    const docker = new Docker()
    const service = new ContainerService(docker)
    const targets = flags.all
      ? (await docker.containers.list({ all: true, labels: MANAGED_FILTER })).map((c) => ({
          name: c.Names,
          running: c.State === 'running',
          volume: c.labelMap[ConfigLabel.volume] ?? volumeName(c.Names),
        }))
      : await Promise.all(
          names.map(async (n) => {
            const c = await service.get(n)
            return {
              name: c.Name,
              running: c.State.Running,
              volume: c.Config.Labels[ConfigLabel.volume] ?? volumeName(c.Name),
            }
          }),
        )
    const running = targets.filter((t) => t.running).map((t) => t.name)
    if (running.length && !flags.force) {
      throw new CaigedError(`Still running: ${running.join(', ')}.`, {
        hint: 'Stop them first (caiged containers stop NAME), or use --force.',
      })
    }
    if (flags.all && !flags.force && targets.length > 0) {
      const what = flags.volumes ? 'and their sessions ' : ''
      if (
        !(await confirm(
          `Remove ${targets.length} caiged container(s) ${what}(${targets.map((t) => t.name).join(', ')})?`,
          '--force',
        ))
      ) {
        throw new CaigedError('Cancelled: nothing was removed.')
      }
    }
    const removed: string[] = []
    const volumes: string[] = []
    for (const target of targets) {
      await docker.containers.remove(target.name, { force: true })
      removed.push(target.name)
      if (flags.volumes && (await docker.volumes.remove(target.volume))) volumes.push(target.volume)
      this.log(
        `Removed ${target.name}${flags.volumes ? ` and its sessions (${target.volume})` : ` (sessions kept in ${target.volume})`}`,
      )
    }
    if (targets.length === 0) this.log('No caiged containers.')
    return { removed, volumes }
  }
}
