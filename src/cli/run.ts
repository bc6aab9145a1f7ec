import { renderBanner } from '../containers/banner.js'
import type { ReconcileAction } from '../containers/service.js'
import type { Deps } from '../deps.js'
import { usageError } from '../errors.js'
import { attachTui } from '../flows/connect.js'
import { runAgent, type RunResult } from '../flows/run-agent.js'

const ACTION_TITLES: Record<ReconcileAction, string> = {
  reused: 'CONNECTING TO RUNNING CONTAINER',
  started: 'RESUMED STOPPED CONTAINER (sessions kept)',
  created: 'CONTAINER STARTED',
  recreated: 'CONTAINER RECREATED (sessions kept)',
}

/** `caiged run`'s flags as parsed (by oclif, or by the hot path from the same definitions). */
export interface RunFlags {
  spin?: string
  project?: string
  'enable-docker-sock': boolean
  yes: boolean
  'secret-env'?: string[]
  'secret-env-file'?: string
  'git-identity'?: 'host' | 'agent' | 'none'
  'ssh-key'?: string
  'ssh-agent': boolean
  'no-mount-opencode-auth': boolean
  'no-mount-gh': boolean
  'mount-gh-rw': boolean
  'rebuild-images': boolean
  recreate: boolean
  'no-connect': boolean
  'opencode-version'?: string
  'base-image'?: string
  registry?: string
  pull?: 'missing' | 'always' | 'never'
  builder?: string
  network?: string
  egress?: 'open' | 'balanced' | 'locked'
  publish?: string[]
  'idle-stop'?: string
  workspace?: 'bind' | 'copy'
  'allow-host'?: string[]
  'deny-host'?: string[]
  'show-session-password': boolean
  'allow-wide-mount': boolean
}

export type RunData = Omit<RunResult, 'password' | 'hostVersion'>

/**
 * The body of `caiged run`: the flow, the banner, then the TUI unless --no-connect. Returns the
 * data --json prints and the exit code (the TUI's).
 */
export async function executeRun(
  input: { args: { workdir: string }; flags: RunFlags },
  ctx: { deps: Deps; json: boolean },
): Promise<{ data: RunData | undefined; exitCode: number }> {
  const { args, flags } = input
  const d = ctx.deps
  // --json is oclif's own flag, so this one relation is checked here.
  if (ctx.json && !flags['no-connect'])
    throw usageError('--json needs --no-connect: an attached TUI is not data.')
  const result = await runAgent(
    {
      workdir: args.workdir,
      spin: flags.spin,
      project: flags.project,
      dockerSocket: flags['enable-docker-sock'],
      yes: flags.yes,
      secretEnv: flags['secret-env'],
      secretEnvFile: flags['secret-env-file'],
      gitIdentity: flags['git-identity'],
      sshKey: flags['ssh-key'],
      sshAgent: flags['ssh-agent'],
      opencodeAuth: flags['no-mount-opencode-auth'] ? false : undefined,
      gh: flags['no-mount-gh'] ? 'none' : flags['mount-gh-rw'] ? 'rw' : undefined,
      rebuildImages: flags['rebuild-images'],
      recreate: flags.recreate,
      connect: !flags['no-connect'],
      opencodeVersion: flags['opencode-version'],
      baseImage: flags['base-image'],
      registry: flags.registry,
      pull: flags.pull,
      builder: flags.builder,
      allowWideMount: flags['allow-wide-mount'],
      network: flags.network,
      egress: flags.egress,
      publish: flags.publish,
      idleStop: flags['idle-stop'],
      workspace: flags.workspace,
      allowHost: flags['allow-host'],
      denyHost: flags['deny-host'],
    },
    d,
  )
  const { password, hostVersion, ...data } = result
  d.io.log(
    renderBanner({
      name: result.name,
      url: result.url,
      project: result.project,
      spin: result.spin,
      action: ACTION_TITLES[result.action],
      password: flags['show-session-password'] ? password : undefined,
      elsewhere: result.engineHere ? undefined : result.engine,
      copy: result.workspace === 'copy',
    }),
  )
  if (flags['no-connect']) return { data, exitCode: 0 }
  const exitCode = await attachTui(
    {
      name: result.name,
      port: result.port,
      password,
      serverVersion: result.opencodeVersion,
      hostVersion,
      gated: result.egress !== 'open',
    },
    d,
  )
  return { data: undefined, exitCode }
}
