import type { ProjectConfig } from '../../config/project.js'
import type { PullPolicy, UserConfig } from '../../config/schema.js'
import { resolveRunSettings, type RunSettings } from '../../config/settings.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../../containers/naming.js'
import { usageError } from '../../errors.js'
import type { EgressMode } from '../../egress/presets.js'
import { egressModeFor } from '../../egress/resolve.js'
import { parseSecretMark } from '../../egress/credentials.js'
import { parseHostRule, type HostRule } from '../../egress/rules.js'
import { secretEnv } from '../../host/environment.js'
import { baseImageFrom } from '../../images/options.js'
import { publishedImageSettings } from '../../images/source.js'
import type { RunOptions } from './options.js'

/** What a run is about, decided from the options, the configs and the environment alone. */
export interface RunPlan {
  workdir: string
  userConfig: UserConfig
  projectConfig: ProjectConfig
  /** The user's config with the project's over it. */
  config: UserConfig
  settings: RunSettings & { spin: string }
  egressMode: EgressMode
  /**
   * The secrets passed in, and those marked NAME@HOST for the gateway to inject there. `names` are
   * --secret-env's (recorded, and read from the environment again by `upgrade`); `fromFile` are
   * --secret-env-file's (read from the file again). `values` holds both (--secret-env's wins).
   */
  secrets: {
    names: string[]
    fromFile: string[]
    values: Record<string, string>
    marks: Record<string, HostRule[]>
  }
  baseImage: string
  registry: string | undefined
  pull: PullPolicy
  prefix: string
  project: string
  /** The container's name, and so its gateway's, network's and volumes'. */
  name: string
}

/**
 * The plan of a run (pure: no file, process or engine is touched): its settings by precedence, the
 * names it makes, where its images come from and its egress mode. Whatever the user gave that
 * cannot work is refused here, before anything is looked up or made.
 */
export function planRun(
  o: RunOptions,
  given: { workdir: string; userConfig: UserConfig; projectConfig: ProjectConfig; config: UserConfig },
  env: NodeJS.ProcessEnv,
): RunPlan {
  const { config } = given
  const settings = resolveRunSettings(o, config)
  const spin = settings.spin
  if (!spin) {
    throw usageError(
      'Missing --spin: which role should the agent have?',
      'Give --spin dev (caiged spins list), or set a default: caiged config set defaultSpin dev.',
    )
  }
  const egressMode = egressModeFor(o, config)
  for (const rule of [...(o.allowHost ?? []), ...(o.denyHost ?? [])]) parseHostRule(rule)
  if (o.network && egressMode !== 'open') {
    throw usageError(
      `--network ${o.network} puts the agent on a network with a way out that its egress policy (${egressMode}) cannot hold.`,
      'Add --egress open to join that network knowingly, or leave out --network: the agent then reaches only what its policy allows.',
    )
  }
  const secrets = secretsOf(settings.secretEnvNames, env)
  const { registry, pull } = publishedImageSettings(o, config, env)
  const prefix = imagePrefix(env)
  const project = o.project !== undefined ? slugify(o.project) : deriveProjectName(given.workdir)
  return {
    ...given,
    settings: { ...settings, spin },
    egressMode,
    secrets,
    baseImage: baseImageFrom(o.baseImage, env),
    registry,
    pull,
    prefix,
    project,
    name: containerName(spin, project, prefix),
  }
}

/** The secrets named (NAME or NAME@HOST, comma-separated as the original allowed) and their values. */
function secretsOf(entries: string[], env: NodeJS.ProcessEnv): RunPlan['secrets'] {
  const parsed = entries
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter(Boolean)
    .map(parseSecretMark)
  const marks: Record<string, HostRule[]> = {}
  for (const { name, host } of parsed) if (host) (marks[name] ??= []).push(host)
  return {
    ...secretEnv(
      parsed.map((p) => p.name),
      env,
    ),
    fromFile: [],
    marks,
  }
}

/**
 * The secrets with an env file's entries added. A name --secret-env passes too keeps its value
 * from there, as docker's -e wins over --env-file.
 */
export function withEnvFileSecrets(
  secrets: RunPlan['secrets'],
  fromFile: Record<string, string>,
): RunPlan['secrets'] {
  return {
    ...secrets,
    fromFile: Object.keys(fromFile),
    values: { ...fromFile, ...secrets.values },
  }
}
