import { Args } from '@oclif/core'
import { BaseCommand } from './base-command.js'
import { editEgress, type EditResult } from './flows/egress.js'

/** What `egress allow` and `egress deny` share: NAME and any number of rules, one flow. */
export abstract class EgressEditCommand extends BaseCommand {
  // Any number of rules follow the name (subclasses repeat strict = false and these args).
  static override args = {
    name: Args.string({ description: 'The agent container’s name.', required: true }),
    rule: Args.string({
      description: 'HOST[:PORT], *.DOMAIN[:PORT] or IPV4[:PORT]; several may follow.',
      required: true,
    }),
  }
  static readonly RULE_FORMS =
    'A rule is HOST, *.DOMAIN (its subdomains, not the domain itself) or an IPv4 address, with an optional ' +
    ':PORT; without one it covers ports 80 and 443.'

  protected abstract readonly effect: 'allow' | 'deny'

  async run(): Promise<EditResult> {
    const { args, argv } = await this.parse()
    const rules = (argv as string[]).slice(1)
    const result = await editEgress({ name: args.name, effect: this.effect, rules }, this.deps)
    this.log(
      `${result.name}: ${this.effect === 'allow' ? 'allowed' : 'denied'} ${rules.join(', ')}; ` +
        (result.applied
          ? 'its gateway enforces it now.'
          : 'kept for when it next runs (its gateway is not running).'),
    )
    return result
  }
}
