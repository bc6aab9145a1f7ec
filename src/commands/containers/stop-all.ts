import { BaseCommand } from '../../base-command.js'
import { MANAGED_FILTER } from '../../containers/labels.js'
import { Docker } from '../../docker/index.js'
import { CaigedError } from '../../errors.js'

export default class ContainersStopAll extends BaseCommand {
  static override summary = 'Stop every running caiged container. Nothing is deleted.'
  static override description =
    'Finds caiged containers by their io.caiged.managed label (never by name) and stops them; containers ' +
    'and sessions are kept. To delete, use caiged containers rm.'
  static override enableJsonFlag = true

  async run(): Promise<{ stopped: string[] }> {
    const docker = new Docker()
    const running = await docker.containers.list({ labels: MANAGED_FILTER })
    const stopped: string[] = []
    const failed: string[] = []
    await Promise.all(
      running.map(async (c) => {
        try {
          await docker.containers.stop(c.Names)
          stopped.push(c.Names)
          this.log(`Stopped ${c.Names}`)
        } catch (error) {
          failed.push(`${c.Names}: ${(error as Error).message}`)
        }
      }),
    )
    if (running.length === 0) this.log('No caiged container is running.')
    if (failed.length) throw new CaigedError(`Could not stop: ${failed.join('; ')}`)
    return { stopped: stopped.sort() }
  }
}
