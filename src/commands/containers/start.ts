import { Args } from '@oclif/core'
import fs from 'node:fs/promises'
import { BaseCommand } from '../../base-command.js'
import { derivePassword } from '../../containers/password.js'
import { ConfigLabel } from '../../containers/run-spec.js'
import { ContainerService, portOf } from '../../containers/service.js'
import { Docker } from '../../docker/index.js'
import { CaigedError, ExitCode } from '../../errors.js'
import { fileMtimeSeconds, hostAuthFile } from '../../host/environment.js'
import { saltFile } from '../../paths.js'
import { readSalt } from '../../state/salt.js'

export default class ContainersStart extends BaseCommand {
  static override summary = 'Start a stopped caiged container and wait until its server is ready.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }

  async run(): Promise<{ name: string; url: string; started: boolean }> {
    const { args } = await this.parse(ContainersStart)
    const service = new ContainerService(new Docker())
    const container = await service.get(args.name)
    const port = portOf(container)
    if (port === undefined)
      throw new CaigedError(`${container.Name} has no port label; recreate it with caiged run.`)
    const url = `http://127.0.0.1:${port}`
    const salt = await readSalt(saltFile())
    if (salt === undefined) {
      throw new CaigedError(`There is no salt file (${saltFile()}): the server password is unknown.`, {
        exitCode: ExitCode.Config,
      })
    }
    if (container.State.Running) {
      this.log(`${container.Name} is already running at ${url}`)
      return { name: container.Name, url, started: false }
    }
    await service.start(container)
    const authMtime =
      container.Config.Labels[ConfigLabel.auth] === 'copy'
        ? await fileMtimeSeconds(hostAuthFile())
        : undefined
    if (authMtime !== undefined)
      await service.copyAuth(container.Name, await fs.readFile(hostAuthFile(), 'utf8'), authMtime)
    await service.waitHealthy(container.Name, port, derivePassword(container.Name, salt))
    this.log(`Started ${container.Name}: ${url}   Connect: caiged connect ${container.Name}`)
    return { name: container.Name, url, started: true }
  }
}
