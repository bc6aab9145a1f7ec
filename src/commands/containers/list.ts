import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { executeContainersList } from '../../cli/containers-list.js'
import type { ListedRow } from '../../flows/containers.js'

export default class ContainersList extends BaseCommand {
  static override summary = 'List caiged containers, running and stopped.'
  static override description =
    'Shows every container this caiged made (found by its io.caiged.managed label, and its name starting ' +
    'with IMAGE_PREFIX, so another caiged on the same engine stays out), with its ' +
    'spin, project, state, the 127.0.0.1 port its OpenCode server listens on, its egress policy (open, ' +
    'balanced or locked; and whether the gateway that enforces it runs), and its idle stop (an agent that ' +
    'stopped itself while idle shows as "stopped (idle, 31m ago)"; run, connect and web start it again).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all-contexts',
    '<%= config.bin %> <%= command.id %> --json | jq -r \'.[] | select(.state == "running") | .name\'',
  ]
  static override enableJsonFlag = true
  static override flags = {
    'show-session-password': Flags.boolean({
      description:
        'Also show each server password (derived from the salt; anyone who sees it can drive the agent).',
    }),
    'all-contexts': Flags.boolean({
      description:
        "List the agents on every docker context you have (docker context ls), with each one's engine in a column; a context that does not answer is said and skipped.",
    }),
    memory: Flags.boolean({
      description:
        'Also show the memory each running agent and its gateway hold (one docker stats sample: about a second and a half).',
    }),
  }

  async run(): Promise<ListedRow[]> {
    const { flags } = await this.parse(ContainersList)
    return executeContainersList(flags, { deps: this.deps })
  }
}
