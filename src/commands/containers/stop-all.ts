import { BaseCommand } from '../../base-command.js'
import { stopAllContainers } from '../../flows/containers.js'

export default class ContainersStopAll extends BaseCommand {
  static override summary = 'Stop every running caiged container. Nothing is deleted.'
  static override description =
    'Finds caiged containers by their io.caiged.managed label and stops them; containers and sessions are ' +
    'kept. Only this IMAGE_PREFIX’s (their names start with it): another caiged on the same engine is left ' +
    'alone. To delete, use caiged containers rm.'
  static override enableJsonFlag = true

  async run(): Promise<{ stopped: string[]; gone: string[] }> {
    const result = await stopAllContainers(this.deps)
    for (const name of result.stopped) this.log(`Stopped ${name}`)
    for (const name of result.gone) this.log(`${name} was removed by another command meanwhile`)
    if (result.stopped.length + result.gone.length === 0) this.log('No caiged container is running.')
    return result
  }
}
