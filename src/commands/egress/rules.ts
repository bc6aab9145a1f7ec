import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { egressRules, type PolicyView } from '../../flows/egress.js'
import { renderTable } from '../../ui/table.js'

export default class EgressRules extends BaseCommand {
  static override summary =
    'Show the egress policy an agent’s gateway enforces, and where each rule comes from.'
  static override description =
    'The preset (balanced or locked) merged with the spin’s spin.yaml, your config (egress.allow, egress.deny), ' +
    'the latest run’s --allow-host/--deny-host and caiged egress allow/deny. Deny wins; everything not ' +
    'allowed is refused, raw IP addresses included unless a rule lists them.'
  static override examples = ['<%= config.bin %> <%= command.id %> caiged-dev-code-my-app']
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'The agent container’s name.', required: true }) }

  async run(): Promise<PolicyView> {
    const { args } = await this.parse(EgressRules)
    const view = await egressRules({ name: args.name }, this.deps)
    this.log(`${view.name}: egress ${view.mode}; everything not allowed below is refused.`)
    this.log(
      renderTable(
        ['RULE', 'EFFECT', 'SOURCE'],
        view.rules.map((r) => [r.rule, r.effect, r.source]),
      ),
    )
    return view
  }
}
