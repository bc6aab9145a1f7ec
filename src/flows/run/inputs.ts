import {
  hasConsent,
  loadProjectConfig,
  rememberConsent,
  wideningAsks,
  withProjectConfig,
} from '../../config/project.js'
import type { Deps } from '../../deps.js'
import { CaigedError, CancelledError, ExitCode } from '../../errors.js'
import { readEnvFile } from '../../host/env-file.js'
import { checkEnvFile, checkWorkdir } from '../../host/environment.js'
import { checkMountScope } from '../../host/mount-scope.js'
import type { RunOptions } from './options.js'
import { planRun, withEnvFileSecrets, type RunPlan } from './plan.js'

/**
 * The first step of a run: the folder and files the user named are checked on this machine (the
 * env file read), the project's config is read (and what widens the agent's reach consented to),
 * then the run is planned. Nothing is looked up in the engine yet, and nothing made.
 */
export async function checkRunInputs(
  o: RunOptions,
  d: Pick<Deps, 'config' | 'paths' | 'env' | 'io'>,
): Promise<RunPlan & { envFile: string | undefined }> {
  const userConfig = await d.config()
  const workdir = await checkWorkdir(o.workdir)
  // Nothing wider than a project: not the disk, the home folder, caiged's salt or credentials.
  checkMountScope(workdir, d.paths, o.allowWideMount ?? false)
  // The project's committed config, under the user's: what would widen the agent's reach is
  // allowed only with the user's say (asked once per project, or --yes).
  const projectFile = await loadProjectConfig(workdir)
  const projectConfig = projectFile?.config ?? {}
  const widening = wideningAsks(projectConfig)
  if (projectFile && widening.length) await consentToProject(projectFile.file, workdir, widening, o.yes, d)
  const config = withProjectConfig(userConfig, projectConfig)
  const plan = planRun(o, { workdir, userConfig, projectConfig, config }, d.env)
  const envFile = await checkEnvFile(o.secretEnvFile)
  if (envFile === undefined) return { ...plan, envFile }
  // Read here, not by docker: its values then go in as --secret-env's do (see host/env-file.ts).
  // `upgrade` re-runs with the file's path, so it is read again then.
  const secrets = withEnvFileSecrets(plan.secrets, await readEnvFile(envFile, d.env))
  return { ...plan, secrets, envFile }
}

/**
 * A project config that widens the agent's reach (the socket, secrets, a writable GitHub config,
 * open egress) needs the user's say: asked once per project (or --yes), and asked again when the
 * file asks for more. With no terminal to ask on, nothing is made.
 */
async function consentToProject(
  file: string,
  workdir: string,
  asks: string[],
  yes: boolean,
  d: Pick<Deps, 'paths' | 'io'>,
): Promise<void> {
  if (await hasConsent(d.paths.consentFile, workdir, asks)) return
  let ok = yes
  if (!ok) {
    try {
      ok = await d.io.confirm(
        `${file} asks for ${asks.join('; ')}. Allow it for this project (remembered)?`,
        '--yes',
      )
    } catch (error) {
      if (!(error instanceof CaigedError)) throw error
      throw new CaigedError(`${file} asks for ${asks.join('; ')}, which caiged gives only with your say.`, {
        exitCode: ExitCode.Usage,
        hint: 'Run caiged run in a terminal once to answer (it is remembered for this project), or pass --yes.',
      })
    }
  }
  if (!ok)
    throw new CancelledError(`the project config's ${asks.join('; ')} was not allowed; nothing was made.`)
  await rememberConsent(d.paths.consentFile, workdir, asks)
}
