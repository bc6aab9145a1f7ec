import { promises as fs } from 'node:fs'
import { IDLE_STOP_EXIT_CODE } from '../containers/idle.js'
import { readSettings } from '../containers/settings-record.js'
import type { Deps } from '../deps.js'
import type { ContainerInspect } from '../docker/schemas.js'
import { authFileCredentials } from '../egress/credentials.js'
import { fileMtimeSeconds } from '../host/environment.js'
import { readSalt } from '../secrets/salt.js'

/**
 * Starts a stopped agent again (its gateway first), as `containers start`, `connect` and `web` do
 * for one that stopped while idle or was stopped: one line says so, and its sessions are there.
 */
export async function resumeStopped(container: ContainerInspect, d: Deps): Promise<void> {
  const idle = container.State.ExitCode === IDLE_STOP_EXIT_CODE
  d.io.progress(
    `Starting ${container.Name} again (${idle ? 'it stopped itself while idle' : 'it was stopped'}); its sessions are kept.`,
  )
  await d.containers.start(container)
  await copyHostAuth(container, d)
}

/**
 * A container made with the auth copy gets the host's auth.json again when it starts: behind a
 * gateway, with the API keys its gateway injects as their placeholders.
 */
async function copyHostAuth(container: ContainerInspect, d: Deps): Promise<void> {
  const made = readSettings(container.Config.Labels)
  if (made.auth !== 'copy') return
  const file = d.paths.hostAuthFile
  const mtime = await fileMtimeSeconds(file)
  if (mtime === undefined) return
  const raw = await fs.readFile(file, 'utf8')
  const salt = (await readSalt(d.paths.saltFile)) ?? ''
  const content =
    (made.egress ?? 'open') === 'open'
      ? raw
      : authFileCredentials(raw, { agent: container.Name, salt, keepInside: () => made.authInside ?? [] })
          .agentCopy
  await d.containers.copyAuth(container.Name, content, mtime)
}
