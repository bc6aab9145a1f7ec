import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { baseImageFlag, builderFlag, opencodeVersionFlag, pullFlag, registryFlag } from '../flags.js'
import { executeRun, type RunData } from '../cli/run.js'

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
        'Pass this host env var into the container (repeatable, or comma-separated). Its value never appears in any argv.',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    'secret-env-file': Flags.string({
      description:
        'A Docker env file with secrets to pass in, read as docker reads it: its values go in as --secret-env’s do (the known providers’ keys held by the gateway).',
    }),
    'git-identity': Flags.option({
      options: ['host', 'agent', 'none'] as const,
      description:
        'Who the agent’s commits are by: host (your git user.name/email, the default), agent (config git.agent, else "caiged agent"), or none.',
    })(),
    'ssh-key': Flags.string({
      description: 'A private key only the agent uses for git over ssh (mounted read-only).',
      exclusive: ['ssh-agent'],
    }),
    'ssh-agent': Flags.boolean({
      description: 'Forward your ssh-agent ($SSH_AUTH_SOCK) instead: the agent can use all its keys.',
      exclusive: ['ssh-key'],
    }),
    'no-mount-opencode-auth': Flags.boolean({
      description: 'Do not copy the host’s OpenCode auth.json into the container.',
    }),
    'mount-gh-rw': Flags.boolean({
      description: 'Mount ~/.config/gh read-write (default: read-only).',
      exclusive: ['no-mount-gh'],
    }),
    'no-mount-gh': Flags.boolean({
      description: 'Do not mount ~/.config/gh at all.',
      exclusive: ['mount-gh-rw'],
    }),
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
    registry: registryFlag,
    pull: pullFlag,
    builder: builderFlag,
    network: Flags.string({
      description:
        'Join this existing Docker network instead of a network of its own: the agent can then reach every container on it.',
    }),
    egress: Flags.option({
      options: ['open', 'balanced', 'locked'] as const,
      description:
        'What the agent may reach: balanced (the default: your model providers, package registries, git hosts), locked (the model providers only) or open (anything). Enforced by a gateway outside the agent’s container. Config: egress.mode.',
    })(),
    'allow-host': Flags.string({
      description:
        'Also allow this host (HOST, *.DOMAIN or an IPv4 address, with an optional :PORT; repeatable, or comma-separated). Applied at once to a running agent.',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    'deny-host': Flags.string({
      description: 'Never allow this host, whatever allows it (same forms as --allow-host; deny wins).',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    workspace: Flags.option({
      options: ['bind', 'copy'] as const,
      description:
        'How the agent gets the project: bind (the default: your folder itself at /workspace) or copy (a copy in a volume of its own, which your folder never sees until `caiged apply`; `caiged diff` shows its changes). Config: workspace.',
    })(),
    'idle-stop': Flags.string({
      description:
        'Stop the agent (and its gateway) after this long with no client attached and no session busy: 30m (the default), 1h30m, 90s, or 0 for never. Nothing is removed; run, connect and web start it again. Config: idle.stopAfter.',
      helpValue: 'DURATION',
    }),
    publish: Flags.string({
      char: 'p',
      description:
        'Reach this port of the container (a dev server the agent runs, listening on 0.0.0.0) on 127.0.0.1 of this machine: PORT or PORT:HOSTPORT (repeatable, or comma-separated). A host port that is taken is said, not moved. Config and .caiged/config.json: publish.',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    'allow-wide-mount': Flags.boolean({
      description:
        'Mount WORKDIR even when it is /, your home (or above it), or holds caiged’s salt or credential folders (~/.ssh, ~/.aws, ~/.config, …): the agent can then read and change all of it.',
    }),
  }

  async run(): Promise<RunData | undefined> {
    const { args, flags } = await this.parse(Run)
    const { data, exitCode } = await executeRun(
      { args, flags },
      { deps: this.deps, json: this.jsonEnabled() },
    )
    if (exitCode !== 0) this.exit(exitCode)
    return data
  }
}
