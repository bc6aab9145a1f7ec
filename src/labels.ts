/**
 * Every label caiged puts on images, containers and volumes: the one home of their keys. Identity
 * and filtering go by these, never by a name prefix, so an unrelated container called
 * caiged-something is never touched. bake/docker-bake.hcl spells the image ones out too; a unit test
 * holds it to this table.
 */
export const Label = {
  // Identity of a container (and its volume).
  managed: 'io.caiged.managed',
  spin: 'io.caiged.spin',
  project: 'io.caiged.project',
  /** The project folder a container was made for: the owner of its name. */
  workdir: 'io.caiged.workdir',
  port: 'io.caiged.port',
  /** The port label of the Go caiged, kept so its tools and habits keep working. */
  legacyPort: 'opencode.port',
  opencodeVersion: 'io.caiged.opencode-version',
  /** The plan its image was built from: equal means the container runs an up-to-date image. */
  imageFingerprint: 'io.caiged.image-fingerprint',
  /** registry, build or local: where the image it runs came from. */
  imageSource: 'io.caiged.image-source',
  /** The published digest of that image, when it came from a registry. */
  imageDigest: 'io.caiged.image-digest',

  // What an image was built from (any difference makes it stale).
  role: 'io.caiged.role',
  spinHash: 'io.caiged.spin-hash',
  /** The egress rules of the spin's spin.yaml, as JSON: part of its policy. */
  spinEgress: 'io.caiged.spin-egress',
  caigedVersion: 'io.caiged.version',
  assetsHash: 'io.caiged.assets-hash',
  baseImage: 'io.caiged.base-image',
  agentUid: 'io.caiged.agent-uid',
  agentGid: 'io.caiged.agent-gid',

  /**
   * How a container was made, as one JSON value (containers/settings-record.ts, its only reader
   * and writer), so a later run can say what differs and `upgrade` can make it again.
   */
  settings: 'io.caiged.settings',
  // Parts of the settings that `docker ps` listings read (written from the record too).
  volume: 'io.caiged.volume',
  /** The volume of what the agent installed in user space. */
  toolsVolume: 'io.caiged.tools-volume',
  /** The dev-server ports published on 127.0.0.1: "container:host,…". */
  publish: 'io.caiged.publish',
  /** The egress preset an agent was made with: open (no gateway), balanced or locked. */
  egress: 'io.caiged.egress',
  /** The auth.json sign-ins an agent holds for real: "anthropic,github-copilot" ('' for none). */
  authInside: 'io.caiged.auth-inside',
  /** Its idle stop ("30m", "0" for never), for listings. */
  idleStop: 'io.caiged.idle-stop',
  /** bind or copy (its copy in the volume <container>-workspace), for listings and rm --volumes. */
  workspace: 'io.caiged.workspace',
  // One label per setting: what caiged wrote before io.caiged.settings, read for those containers.
  gh: 'io.caiged.gh',
  auth: 'io.caiged.auth',
  dockerSocket: 'io.caiged.docker-socket',
  secretEnv: 'io.caiged.secret-env',
  secretEnvFile: 'io.caiged.secret-env-file',
  git: 'io.caiged.git',
  ssh: 'io.caiged.ssh',
  resources: 'io.caiged.resources',
  /** own (a bridge of its own) or the named network the user asked for. */
  network: 'io.caiged.network',
  /** On a network or an egress gateway: the agent container it was made for. */
  container: 'io.caiged.container',
  /** On a gateway: the hash of the policy it was created with (see egress/policy.ts policyHash). */
  egressPolicy: 'io.caiged.egress-policy',
  /** On a gateway: the hash of the credentials it injects (see egress/credentials.ts). */
  egressCredentials: 'io.caiged.egress-credentials',
  /** On a gateway image: the hash of the files it was built from. */
  egressHash: 'io.caiged.egress-hash',
} as const
export type LabelKey = (typeof Label)[keyof typeof Label]

/** The labels a spin image carries to say what it was built from (bake/plan.ts expectedSpinLabels). */
export const IMAGE_LABELS = [
  Label.role,
  Label.spin,
  Label.spinHash,
  Label.opencodeVersion,
  Label.caigedVersion,
  Label.assetsHash,
  Label.baseImage,
  Label.agentUid,
  Label.agentGid,
] as const

export const MANAGED_FILTER = { [Label.managed]: 'true' } as const

/** How a label reads in a message ("spin content 1a2b → 3c4d", "ssh: none → agent"). */
export const LABEL_NAMES: Partial<Record<LabelKey, string>> = {
  [Label.spinHash]: 'spin content',
  [Label.opencodeVersion]: 'OpenCode version',
  [Label.caigedVersion]: 'caiged version',
  [Label.assetsHash]: 'image assets (docker/, bake/)',
  [Label.baseImage]: 'base image',
  [Label.agentUid]: 'agent uid',
  [Label.agentGid]: 'agent gid',
  [Label.workdir]: 'project folder',
  [Label.gh]: 'GitHub config mount',
  [Label.auth]: 'OpenCode auth',
  [Label.dockerSocket]: 'Docker socket',
  [Label.secretEnv]: 'secret env names',
  [Label.secretEnvFile]: 'secret env file',
  [Label.volume]: 'sessions volume',
  [Label.toolsVolume]: 'user tools volume',
  [Label.git]: 'git identity',
  [Label.ssh]: 'ssh',
  [Label.resources]: 'resource limits',
  [Label.network]: 'network',
  [Label.egress]: 'egress',
  [Label.publish]: 'published ports',
  [Label.egressHash]: 'gateway files (docker/egress/)',
}

export const labelName = (key: string): string => LABEL_NAMES[key as LabelKey] ?? key
