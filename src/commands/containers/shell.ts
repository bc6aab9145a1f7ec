import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { resumeStopped } from '../../flows/resume.js'

export default class ContainersShell extends BaseCommand {
  static override summary = 'Open a shell (or run a command) in a caiged container, as the agent user.'
  static override description =
    'The shell is $CONTAINER_SHELL or /bin/bash. Its exit code becomes caiged’s. A stopped container ' +
    '(one that stopped itself while idle, say) is started again first, its gateway with it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app -- git status',
  ]
  static override usage = ['containers shell NAME [-- CMD...]']
  static override strict = false
  static override args = { name: Args.string({ description: 'The container name.', required: true }) }

  async run(): Promise<void> {
    const { args, argv } = await this.parse(ContainersShell)
    const command = (argv as string[]).slice(1)
    const { docker, containers, env } = this.deps
    const container = await containers.get(args.name)
    if (!container.State.Running) await resumeStopped(container, this.deps)
    const argvInside = command.length ? command : [env.CONTAINER_SHELL || '/bin/bash']
    const code = await docker.containers.execInteractive(
      container.Name,
      argvInside,
      Boolean(process.stdin.isTTY && process.stdout.isTTY),
    )
    if (code !== 0) this.exit(code)
  }
}
