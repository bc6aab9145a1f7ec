import { Args } from '@oclif/core'
import { projectFlag } from '../../flags.js'
import { BaseCommand } from '../../base-command.js'
import { ExitCode } from '../../errors.js'
import { validateSpins, type SpinVerdict } from '../../flows/spins.js'
import { formatProblem } from '../../spins/problems.js'

export default class SpinsValidate extends BaseCommand {
  static override summary = 'Check spins against every rule caiged and OpenCode apply.'
  static override description =
    'Checks AGENTS.md, spin.yaml (description, agent, packages, mcp) and each skills/<name>/SKILL.md ' +
    '(front matter name equal to its folder, matching ^[a-z0-9]+(-[a-z0-9]+)*$, and a description). ' +
    'Each problem names the file, the field and the rule. With no argument every spin is checked.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> dev',
    '<%= config.bin %> <%= command.id %> ./my-spins/reviewer',
  ]
  static override enableJsonFlag = true
  static override args = {
    spin: Args.string({ description: 'A spin name, or the path of a spin folder.' }),
  }
  static override flags = {
    project: projectFlag,
  }

  async run(): Promise<SpinVerdict[]> {
    const { args, flags } = await this.parse(SpinsValidate)
    const verdicts = await validateSpins({ spin: args.spin, project: flags.project }, this.deps)
    for (const v of verdicts) {
      if (v.valid) this.log(`ok       ${v.name}  (${v.path})`)
      else {
        this.log(`invalid  ${v.name}  (${v.path})`)
        for (const p of v.problems) this.log(`  ${v.path}/${formatProblem(p)}`)
      }
    }
    if (verdicts.some((v) => !v.valid)) process.exitCode = ExitCode.Config
    return verdicts
  }
}
