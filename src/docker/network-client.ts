import type { DockerRunner } from './cli.js'
import { commandFailed } from './cli.js'
import { isNotFound } from './errors.js'

/** Networks: each caiged container gets a bridge of its own, so agents cannot reach each other. */
export class NetworkClient {
  constructor(private readonly cli: DockerRunner) {}

  /**
   * Creates a labelled bridge network; says whether it was there already (its maker is the
   * caller's to check). An internal one has no route out and no outside DNS.
   */
  async ensure(
    name: string,
    labels: Record<string, string>,
    options: { internal?: boolean } = {},
  ): Promise<'created' | 'existed'> {
    const args = ['network', 'create', '--driver', 'bridge']
    if (options.internal) args.push('--internal')
    for (const [key, value] of Object.entries(labels)) args.push('--label', `${key}=${value}`)
    args.push('--', name)
    const result = await this.cli.exec(args)
    if (result.exitCode === 0) return 'created'
    if (/already exists/i.test(result.stderr)) return 'existed'
    throw commandFailed(args, result)
  }

  /** A network's labels, or undefined when there is none of that name. */
  async labels(name: string): Promise<Record<string, string> | undefined> {
    const args = ['network', 'inspect', '--format', '{{json .Labels}}', '--', name]
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0) {
      if (isNotFound(result.stderr) || /not found/i.test(result.stderr)) return undefined
      throw commandFailed(args, result)
    }
    return (JSON.parse(result.stdout || '{}') as Record<string, string> | null) ?? {}
  }

  /** A network's labels and whether it is internal, or undefined when there is none of that name. */
  async describe(name: string): Promise<{ labels: Record<string, string>; internal: boolean } | undefined> {
    const args = ['network', 'inspect', '--format', '{{json .Labels}} {{.Internal}}', '--', name]
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0) {
      if (isNotFound(result.stderr) || /not found/i.test(result.stderr)) return undefined
      throw commandFailed(args, result)
    }
    const match = /^(.*?)\s+(true|false)$/s.exec(result.stdout.trim())
    const labels = (JSON.parse(match?.[1] || '{}') as Record<string, string> | null) ?? {}
    return { labels, internal: match?.[2] === 'true' }
  }

  /** Connects a container (by id, created or running) to a network. */
  async connect(network: string, container: string): Promise<void> {
    await this.cli.run(['network', 'connect', '--', network, container])
  }

  /** Removes a network; false when it is gone already or still in use (a new container took it). */
  async remove(name: string): Promise<boolean> {
    const result = await this.cli.exec(['network', 'rm', '--', name])
    return result.exitCode === 0
  }
}
