import type { PullPolicy } from '../../config/schema.js'
import type { RunSettingFlags } from '../../config/settings.js'
import type { ReconcileAction } from '../../containers/service.js'
import type { EgressMode } from '../../egress/presets.js'
import type { EgressFlags } from '../../egress/resolve.js'
import type { ImageSource } from '../../images/source.js'

/** What `caiged run` is told: its flags and folder, as one options object. */
export interface RunOptions extends RunSettingFlags, EgressFlags {
  /** The project folder as given (resolved against the current directory). */
  workdir: string
  project?: string
  dockerSocket: boolean
  yes: boolean
  secretEnvFile?: string
  rebuildImages: boolean
  recreate: boolean
  /** A TUI attaches afterwards: the host client must exist before anything is built. */
  connect: boolean
  opencodeVersion?: string
  baseImage?: string
  /** Where CI publishes images (flag); else CAIGED_IMAGE_REGISTRY, else config images.registry. */
  registry?: string
  pull?: PullPolicy
  /** The buildx builder a local build goes to. */
  builder?: string
  /** Mount a folder wider than a project (/, HOME, credentials) anyway: --allow-wide-mount. */
  allowWideMount?: boolean
  /** Join this existing network instead of a bridge of its own (opt-in, warned). */
  network?: string
  /** Dev-server ports to reach on 127.0.0.1: "PORT[:HOSTPORT]". */
  publish?: string[]
}

export interface RunImage {
  ref: string
  digest: string | undefined
  source: ImageSource
}

export interface RunResult {
  name: string
  spin: string
  project: string
  workdir: string
  url: string
  port: number
  action: ReconcileAction
  opencodeVersion: string
  image: RunImage
  /** The egress preset the agent runs under (open: no gateway). */
  egress: EgressMode
  /** The project bound, or a copy of it in the agent's volume (diff, apply). */
  workspace: 'bind' | 'copy'
  /** The engine it runs on (its docker context, "default", or DOCKER_HOST's value). */
  engine: string
  /** Whether that engine is this machine's: else `url` is a forward that lasts while caiged runs. */
  engineHere: boolean
  /** For the attach and the banner; never part of --json output. */
  password: string
  hostVersion: string | undefined
}
