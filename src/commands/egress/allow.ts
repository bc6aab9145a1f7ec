import { EgressEditCommand } from '../../egress-edit-command.js'

export default class EgressAllow extends EgressEditCommand {
  static override summary = 'Allow an agent more hosts, at once and across recreates.'
  static override description =
    'Adds the hosts to the agent’s egress policy and loads it into its running gateway: no restart, sessions ' +
    'untouched. The addition is kept on the host (never where the agent could change it), so a recreate keeps ' +
    'it. A host that a spin, your config or a deny denies stays denied (deny wins). ' +
    EgressEditCommand.RULE_FORMS
  static override examples = [
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app api.example.com',
    '<%= config.bin %> <%= command.id %> caiged-dev-code-my-app "*.example.com" git.example.com:22',
  ]
  // Own statics: oclif's parse reads a command's own properties, not inherited ones.
  static override enableJsonFlag = true
  static override strict = false
  static override args = EgressEditCommand.args
  protected readonly effect = 'allow'
}
