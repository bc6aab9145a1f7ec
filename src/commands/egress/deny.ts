import { EgressEditCommand } from '../../egress-edit-command.js'

export default class EgressDeny extends EgressEditCommand {
  static override summary = 'Deny an agent a host, at once and across recreates.'
  static override description =
    'Adds the hosts to the denies of the agent’s egress policy, which win over every allow, and loads it into ' +
    'its running gateway: no restart, sessions untouched. It also drops an allow of the same host made with ' +
    'caiged egress allow. Kept on the host, so a recreate keeps it. ' +
    EgressEditCommand.RULE_FORMS
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app tracker.example.com',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app "*.example.com:22"',
  ]
  // Own statics: oclif's parse reads a command's own properties, not inherited ones.
  static override enableJsonFlag = true
  static override strict = false
  static override args = EgressEditCommand.args
  protected readonly effect = 'deny'
}
