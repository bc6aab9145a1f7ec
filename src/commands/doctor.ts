import { BaseCommand } from '../base-command.js'
import { renderChecks, type Check } from '../doctor/checks.js'
import { runChecks } from '../flows/doctor.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check that everything caiged needs works, and say how to fix what does not.'
  static override description =
    'Checks the docker CLI and engine, buildx, the image store (multi-platform, cache export), the host ' +
    'OpenCode client and whether every image and container matches its version, the salt file, the ' +
    'config file, and containers running an outdated image. Exits non-zero when a check fails.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<{ checks: Check[]; healthy: boolean }> {
    const checks = await runChecks(this.deps)
    const healthy = !checks.some((c) => c.status === 'fail')
    this.log(renderChecks(checks))
    if (!healthy) process.exitCode = 1
    return { checks, healthy }
  }
}
