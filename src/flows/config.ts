import { DEFAULT_IDLE_STOP } from '../containers/idle.js'
import { loadProjectConfig } from '../config/project.js'
import { CONFIG_KEYS, UserConfigSchema, configProblems, getPath, setPath } from '../config/schema.js'
import { loadUserConfig, saveUserConfig } from '../config/store.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import type { Deps } from '../deps.js'
import { DEFAULT_EGRESS_MODE, DEFAULT_OUTWARD_NETWORK } from '../egress/resolve.js'

/** What caiged uses when neither the project nor the user says. */
const DEFAULTS: Partial<Record<string, unknown>> = {
  'mounts.gh': 'ro',
  'mounts.opencodeAuth': true,
  'git.identity': 'host',
  'images.pull': 'missing',
  'egress.mode': DEFAULT_EGRESS_MODE,
  'egress.network': DEFAULT_OUTWARD_NETWORK,
  'idle.stopAfter': DEFAULT_IDLE_STOP,
  workspace: 'bind',
}
/** Lists that add up (the project's come on top of the user's) rather than replace. */
const ADDED_UP = new Set(['secretEnv', 'egress.allow', 'egress.deny'])
/** Settings only a project's config has (its image's extra packages). */
const PROJECT_ONLY = ['packages'] as const

export interface SettingRow {
  key: string
  value: unknown
  source: 'project' | 'user' | 'user + project' | 'default' | 'unset'
}

/**
 * `caiged config list`: every setting with the value a run in this folder uses and where it comes
 * from (a flag still wins over all of them). The files are read, never made.
 */
export async function listSettings(
  o: { workdir: string },
  d: Deps,
): Promise<{ files: { user: string; project?: string }; settings: SettingRow[] }> {
  const user = await d.config()
  const project = await loadProjectConfig(o.workdir)
  const settings = [...CONFIG_KEYS, ...PROJECT_ONLY].map((key: string): SettingRow => {
    const mine = (PROJECT_ONLY as readonly string[]).includes(key) ? undefined : getPath(user, key)
    const theirs = project ? getPath(project.config, key) : undefined
    if (ADDED_UP.has(key) && Array.isArray(mine) && Array.isArray(theirs))
      return { key, value: [...mine, ...theirs], source: 'user + project' }
    if (theirs !== undefined) return { key, value: theirs, source: 'project' }
    if (mine !== undefined) return { key, value: mine, source: 'user' }
    if (DEFAULTS[key] !== undefined) return { key, value: DEFAULTS[key], source: 'default' }
    return { key, value: undefined, source: 'unset' }
  })
  return { files: { user: d.paths.configFile, ...(project ? { project: project.file } : {}) }, settings }
}

function checkKey(key: string): void {
  if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
    throw usageError(`Unknown setting "${key}".`, `Settings: ${CONFIG_KEYS.join(', ')}.`)
  }
}

/** `caiged config get KEY`: the user's value of one setting (undefined when unset). */
export async function getSetting(o: { key: string }, d: Pick<Deps, 'paths'>): Promise<unknown> {
  checkKey(o.key)
  return getPath(await loadUserConfig(d.paths.configFile), o.key)
}

/**
 * `caiged config set KEY VALUE` (or --unset): the value read as JSON when it parses as such, else
 * as text, checked against the schema before anything is written; the file is replaced whole.
 */
export async function setSetting(
  o: { key: string; value: string | undefined; unset: boolean },
  d: Pick<Deps, 'paths'>,
): Promise<{ file: string }> {
  checkKey(o.key)
  if (o.value === undefined && !o.unset) throw usageError(`Give a value for ${o.key}, or --unset.`)
  const file = d.paths.configFile
  const next = setPath(await loadUserConfig(file), o.key, o.unset ? undefined : parseValue(o.value as string))
  const parsed = UserConfigSchema.safeParse(next)
  if (!parsed.success) {
    throw new CaigedError(`Not saved: ${configProblems(parsed.error).join('; ')}.`, {
      exitCode: ExitCode.Usage,
    })
  }
  await saveUserConfig(parsed.data, file)
  return { file }
}

/** JSON when it parses as such (numbers, booleans, lists), the plain text otherwise. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
