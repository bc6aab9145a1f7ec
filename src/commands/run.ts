import { Args, Flags } from '@oclif/core'
import { baseImageFlag, opencodeVersionFlag } from '../flags.js'
import { BaseCommand } from '../base-command.js'
import { renderBanner } from '../containers/banner.js'
import { connectTui } from '../containers/connect-flow.js'
import { containerName, deriveProjectName, imagePrefix, slugify } from '../containers/naming.js'
import { derivePassword } from '../containers/password.js'
import { configDrift, configLabels, volumeName, type ContainerRequest } from '../containers/run-spec.js'
import { ContainerService, portOf, type ReconcileAction } from '../containers/service.js'
import { Docker } from '../docker/index.js'
import { CaigedError, ExitCode, usageError } from '../errors.js'
import {
  checkEnvFile,
  checkWorkdir,
  dockerSocket,
  fileMtimeSeconds,
  hostAuthFile,
  hostGhDir,
  isDirectory,
  secretEnv,
} from '../host/environment.js'
import { localImage } from '../bake/plan.js'
import { agentIds, assetsHash } from '../images/assets.js'
import { baseImageFrom } from '../images/options.js'
import { hostOpencodeVersion, missingClientError } from '../opencode/host-client.js'
import { NpmRegistry } from '../opencode/npm-registry.js'
import { resolveOpencodeVersion } from '../opencode/version.js'
import { saltFile } from '../paths.js'
import { findSpin, spinRoots } from '../spins/discovery.js'
import { spinContentHash } from '../spins/content-hash.js'
import { loadUserConfig } from '../config/store.js'
import { checkSshKey, gitIdentityFor, sshAgentSocket } from '../host/identity.js'
import { Labels, expectedSpinLabels, imageFingerprint, staleReasons, type ImagePlan } from '../bake/plan.js'
import { Label } from '../containers/labels.js'
import { loadOrCreateSalt, readSalt } from '../state/salt.js'
import { confirm } from '../ui/prompt.js'

interface RunResult {
  name: string
  spin: string
  project: string
  workdir: string
  url: string
  port: number
  action: ReconcileAction
  opencodeVersion: string
  image: string
}

const ACTION_TITLES: Record<ReconcileAction, string> = {
  reused: 'CONNECTING TO RUNNING CONTAINER',
  started: 'RESUMED STOPPED CONTAINER (sessions kept)',
  created: 'CONTAINER STARTED',
  recreated: 'CONTAINER RECREATED (sessions kept)',
}

export default class Run extends BaseCommand {
  static override summary =
    'Start (or reuse) the agent container for a project and spin, and attach the OpenCode TUI.'
  static override description =
    'Builds the spin image if it is missing or stale, then makes sure the project’s container runs: a ' +
    'running one is reused, a stopped one started, a missing one created. The OpenCode server inside ' +
    'listens on 127.0.0.1 only, behind a password derived from the container name and your salt. The ' +
    'project is mounted read-write at /workspace; sessions live in a named volume and survive stop, ' +
    'image upgrades and recreation. The container is named caiged-<spin>-<project>, where the project ' +
    'is the last two segments of WORKDIR unless --project is given.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> . --spin dev',
    '<%= config.bin %> <%= command.id %> ~/code/app --spin qa --no-connect',
    'JFROG_TOKEN=... <%= config.bin %> <%= command.id %> . --spin dev --secret-env JFROG_TOKEN',
  ]
  static override enableJsonFlag = true
  static override args = {
    workdir: Args.string({ description: 'The project folder (mounted at /workspace).', default: '.' }),
  }
  static override flags = {
    spin: Flags.string({
      description:
        'The role to run: dev, qa, security or your own (caiged spins list). Default: config defaultSpin.',
    }),
    project: Flags.string({
      description: 'Project name for the container name, instead of the last two path segments.',
    }),
    'enable-docker-sock': Flags.boolean({
      description: 'Mount the Docker socket: root on this machine for the agent. Asks first; --yes answers.',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Answer yes to confirmations (for scripts).' }),
    'secret-env': Flags.string({
      description:
        'Pass this host env var into the container (repeatable). Its value never appears in any argv.',
      multiple: true,
    }),
    'secret-env-file': Flags.string({ description: 'A Docker env file with secrets to pass in.' }),
    'git-identity': Flags.option({
      options: ['host', 'agent', 'none'] as const,
      description:
        'Who the agent’s commits are by: host (your git user.name/email, the default), agent (config git.agent, else "caiged agent"), or none.',
    })(),
    'ssh-key': Flags.string({
      description: 'A private key only the agent uses for git over ssh (mounted read-only).',
    }),
    'ssh-agent': Flags.boolean({
      description: 'Forward your ssh-agent ($SSH_AUTH_SOCK) instead: the agent can use all its keys.',
    }),
    'no-mount-opencode-auth': Flags.boolean({
      description: 'Do not copy the host’s OpenCode auth.json into the container.',
    }),
    'mount-gh-rw': Flags.boolean({ description: 'Mount ~/.config/gh read-write (default: read-only).' }),
    'no-mount-gh': Flags.boolean({ description: 'Do not mount ~/.config/gh at all.' }),
    'show-session-password': Flags.boolean({ description: 'Print the server password in the banner.' }),
    'rebuild-images': Flags.boolean({
      description: 'Rebuild the images even if they are up to date.',
      aliases: ['force-build'],
      deprecateAliases: true,
    }),
    recreate: Flags.boolean({
      description: 'Recreate the container when its settings differ from this run (sessions are kept).',
    }),
    'no-connect': Flags.boolean({
      description: 'Start the container and wait until it is ready, but do not attach.',
    }),
    'opencode-version': opencodeVersionFlag,
    'base-image': baseImageFlag,
  }

  /**
   * The salt every password derives from. A missing one is not replaced while the container this
   * run is about exists: a new salt would silently lock the user out of it. (Other caiged containers
   * on a shared engine may be someone else's, so they do not count; one made with an older salt
   * says so when reached: its server refuses the password.)
   */
  private async salt(containerExists: boolean): Promise<string> {
    const file = saltFile()
    const existing = await readSalt(file)
    if (existing !== undefined) return existing
    if (containerExists) {
      throw new CaigedError(`The salt file ${file} is missing, but the container's password comes from it.`, {
        exitCode: ExitCode.Config,
        hint:
          'Restore the file from a backup to reach it again. Or remove the container (caiged containers rm NAME; ' +
          'its sessions volume is kept) and run again: a new salt is then made.',
      })
    }
    return loadOrCreateSalt(file)
  }

  async run(): Promise<RunResult | undefined> {
    const { args, flags } = await this.parse(Run)
    if (this.jsonEnabled() && !flags['no-connect'])
      throw usageError('--json needs --no-connect: an attached TUI is not data.')
    const connect = !flags['no-connect']

    // Everything the user gave is checked before anything is built or created.
    const config = await loadUserConfig()
    const workdir = await checkWorkdir(args.workdir)
    const spinName = flags.spin ?? config.defaultSpin
    if (!spinName) {
      throw usageError(
        'Missing --spin: which role should the agent have?',
        'Give --spin dev (caiged spins list), or set a default: caiged config set defaultSpin dev.',
      )
    }
    // Flags win over config; secret env names from both are passed.
    const secrets = secretEnv([...(config.secretEnv ?? []), ...(flags['secret-env'] ?? [])])
    const envFile = await checkEnvFile(flags['secret-env-file'])
    const baseImage = baseImageFrom(flags['base-image'])
    const prefix = imagePrefix()
    const project = flags.project !== undefined ? slugify(flags.project) : deriveProjectName(workdir)
    const name = containerName(spinName, project, prefix)
    // Found, not parsed: an unchanged spin was validated when its image was built.
    const spin = await findSpin(spinName, spinRoots(workdir))
    const socket = flags['enable-docker-sock'] ? await dockerSocket() : undefined
    if (socket && !flags.yes) {
      const ok = await confirm(
        'WARNING: --enable-docker-sock gives the agent root-equivalent access to this machine (it can start ' +
          'containers that mount any file). Continue?',
        '--yes',
      )
      if (!ok) throw new CaigedError('Cancelled: the container was not started.')
    }
    const docker = new Docker()
    const service = new ContainerService(docker)
    const image = localImage(prefix, spin.name)
    // Independent lookups at once: on the warm path they are most of the time caiged takes.
    const [hostVersion, existing, identity] = await Promise.all([
      hostOpencodeVersion(),
      service.find(name),
      gitIdentityFor(
        flags['git-identity'] ?? config.git?.identity ?? 'host',
        Boolean(flags['git-identity'] ?? config.git?.identity),
        workdir,
        spin.name,
        config,
      ),
    ])
    // A missing client is said before any build, when a connect will follow.
    if (connect && !hostVersion) throw missingClientError()

    const salt = await this.salt(existing !== undefined)
    const password = derivePassword(name, salt)

    const ghDir = hostGhDir()
    const authFile = hostAuthFile()
    const copyAuth = !flags['no-mount-opencode-auth'] && config.mounts?.opencodeAuth !== false
    const authMtime = copyAuth ? await fileMtimeSeconds(authFile) : undefined
    const ghMode = flags['no-mount-gh'] ? 'none' : flags['mount-gh-rw'] ? 'rw' : (config.mounts?.gh ?? 'ro')
    if (identity.warning) this.warn(identity.warning)
    const git = identity.git
    const sshKey = flags['ssh-key'] ?? config.git?.sshKey
    const ssh = sshKey
      ? { key: await checkSshKey(sshKey) }
      : flags['ssh-agent']
        ? { agentSocket: await sshAgentSocket() }
        : {}
    const request: Omit<ContainerRequest, 'hostPort' | 'image' | 'opencodeVersion' | 'imageFingerprint'> = {
      name,
      spin: spin.name,
      project,
      workdir,
      volume: volumeName(name),
      gh: {
        mode: ghMode,
        hostDir: ghMode !== 'none' && (await isDirectory(ghDir)) ? ghDir : undefined,
      },
      auth: authMtime === undefined ? 'none' : 'copy',
      dockerSocket: socket,
      secretEnvNames: secrets.names,
      secretEnvFile: envFile,
      git,
      ssh,
      resources: config.resources ?? {},
    }

    // Settings that differ from how the container was made are never silently ignored.
    let recreate = false
    if (existing) {
      const drift = configDrift(
        configLabels({ ...request, hostPort: 0, image: '', opencodeVersion: '', imageFingerprint: '' }),
        existing.Config.Labels,
      )
      if (drift.length > 0) {
        const list = drift.join('; ')
        if (flags.recreate) recreate = true
        else if (flags.yes) recreate = true
        else {
          recreate = await confirm(
            `${name} was made with other settings (${list}). Recreate it? Sessions are kept.`,
            '--recreate',
          ).catch((error: unknown) => {
            throw error instanceof CaigedError
              ? new CaigedError(`${name} was made with other settings: ${list}.`, {
                  exitCode: error.exitCode,
                  hint: 'Run again with --recreate to apply them (sessions are kept), or with the settings it was made with.',
                })
              : error
          })
          if (!recreate) throw new CaigedError(`Cancelled: ${name} keeps its settings (${list}).`)
        }
      }
    }

    const registry = new NpmRegistry()
    const uid = process.getuid?.() ?? 1000
    const gid = process.getgid?.() ?? 1000
    const envVersion = flags['opencode-version'] ?? process.env.OPENCODE_VERSION?.trim()
    const { version } = await resolveOpencodeVersion({
      requested: envVersion
        ? { value: envVersion, source: flags['opencode-version'] ? 'flag' : 'OPENCODE_VERSION' }
        : undefined,
      // No flag, env or host client: keep the version the container or image has; the registry last.
      hostVersion: async () =>
        hostVersion ??
        existing?.Config.Labels[Label.opencodeVersion] ??
        (await docker.images.inspect(image))?.Config.Labels[Labels.opencodeVersion],
      resolveFromRegistry: (spec) => registry.resolveVersion('opencode-ai', spec),
    })
    const plan: ImagePlan = {
      opencodeVersion: version,
      baseImage,
      imagePrefix: prefix,
      caigedVersion: this.config.version,
      assetsHash: await assetsHash(),
      ...agentIds(uid, gid),
      spins: [],
    }
    const spinBuild = {
      name: spin.name,
      hash: await spinContentHash(spin.dir),
      contextDir: '',
      packages: [],
      description: '',
    }
    const expected = expectedSpinLabels(plan, spinBuild)
    const fingerprint = imageFingerprint(expected)
    const full: ContainerRequest = {
      ...request,
      image,
      opencodeVersion: version,
      hostPort: 0,
      imageFingerprint: fingerprint,
    }
    const creds = { password, values: secrets.values }

    let port: number
    let action: ReconcileAction
    let serverVersion: string
    const reusable =
      existing?.State.Running &&
      existing.Config.Labels[Label.imageFingerprint] === fingerprint &&
      !recreate &&
      !flags['rebuild-images']
    if (reusable && existing && portOf(existing) !== undefined) {
      // The warm path: one docker process (the container inspect: its labels say its image is
      // current) and one health check.
      port = portOf(existing) as number
      action = 'reused'
      serverVersion = (await service.waitHealthy(name, port, password, 30_000)).version
    } else {
      const current = await docker.images.inspect(image)
      const imageReasons = staleReasons(expected, current?.Config.Labels)
      if (flags['rebuild-images'] && imageReasons.length === 0) imageReasons.push('--rebuild-images')
      const { converge } = await import('../containers/converge.js')
      ;({ port, action, serverVersion } = await converge({
        docker,
        service,
        registry,
        request: full,
        secrets: creds,
        existing,
        imageReasons,
        imageId: current?.Id,
        recreate,
        spinName: spin.name,
        workdir,
        plan: { baseImage, imagePrefix: prefix, uid, gid },
        auth: authMtime === undefined ? undefined : { file: authFile, mtime: authMtime },
        json: this.jsonEnabled(),
      }))
    }

    const url = `http://127.0.0.1:${port}`
    this.log(
      renderBanner({
        name,
        url,
        project,
        spin: spin.name,
        action: ACTION_TITLES[action],
        password: flags['show-session-password'] ? password : undefined,
      }),
    )
    const result: RunResult = {
      name,
      spin: spin.name,
      project,
      workdir,
      url,
      port,
      action,
      opencodeVersion: serverVersion,
      image,
    }
    if (!connect) return result
    const code = await connectTui({
      name,
      port,
      password,
      serverVersion,
      hostVersion,
      warn: (m) => this.warn(m),
      log: (m) => this.log(m),
    })
    if (code !== 0) this.exit(code)
    return undefined
  }
}
