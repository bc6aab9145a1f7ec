import { loadProjectConfig } from '../config/project.js'
import { CONFIG_KEYS, getPath } from '../config/schema.js'
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
