import { Args } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { connectTui } from '../containers/connect-flow.js'
import { derivePassword } from '../containers/password.js'
import { ContainerService, portOf } from '../containers/service.js'
import { Docker } from '../docker/index.js'
import { CaigedError, ExitCode } from '../errors.js'
import { hostOpencodeVersion, missingClientError } from '../opencode/host-client.js'
import { saltFile } from '../paths.js'
import { readSalt } from '../state/salt.js'

export default class Connect extends BaseCommand {
  static override summary = 'Attach the OpenCode TUI to a running caiged container.'
  static override description =
    'Checks that the server answers with the password derived for this container, compares its OpenCode ' +
    'version with yours, and continues the latest session of /workspace. The TUI’s exit code becomes ' +
    'caiged’s.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override args = {
    name: Args.string({
      description: 'The container name (caiged containers list shows them).',
      required: true,
    }),
  }

  async run(): Promise<void> {
    const { args } = await this.parse(Connect)
    const hostVersion = await hostOpencodeVersion()
    if (!hostVersion) throw missingClientError()
    const service = new ContainerService(new Docker())
    const container = await service.get(args.name)
    if (!container.State.Running) {
      throw new CaigedError(`The container ${container.Name} is not running.`, {
        exitCode: ExitCode.Failure,
        hint: `Start it with: caiged containers start ${container.Name}`,
      })
    }
    const port = portOf(container)
    if (port === undefined)
      throw new CaigedError(`${container.Name} has no port label (made by an old caiged?); recreate it.`)
    // Never create a salt here: a new one could not open any existing container.
    const salt = await readSalt(saltFile())
    if (salt === undefined) {
      throw new CaigedError(
        `There is no salt file (${saltFile()}), so the password of ${container.Name} is unknown.`,
        {
          exitCode: ExitCode.Config,
          hint: 'Restore the salt file, or recreate the container with caiged run.',
        },
      )
    }
    const password = derivePassword(container.Name, salt)
    const health = await service.waitHealthy(container.Name, port, password, 30_000)
    const code = await connectTui({
      name: container.Name,
      port,
      password,
      serverVersion: health.version,
      hostVersion,
      warn: (m) => this.warn(m),
      log: (m) => this.log(m),
    })
    if (code !== 0) this.exit(code)
  }
}
