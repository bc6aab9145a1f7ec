import { promises as fs } from 'node:fs'
import path from 'node:path'
import { BakePrintSchema, localCacheDir } from '../bake/bake-args.js'
import { spinTarget, versionTarget, type ImageInputs } from '../bake/plan.js'
import { REGISTRY_PATH } from '../config/schema.js'
import { imagePrefix } from '../containers/naming.js'
import type { Deps } from '../deps.js'
import { parseDockerJson } from '../docker/parse.js'
import { GATEWAY_TARGET, gatewayFilesHash } from '../egress/image.js'
import { CaigedError, usageError } from '../errors.js'
import { runBake } from '../images/bake.js'
import { ImageBuilder, type ImageStatus, type PreparedPlan } from '../images/image-builder.js'
import { baseImageFrom } from '../images/options.js'
import { imageInputs, opencodeVersionFor } from '../images/plan.js'
import { chooseImage, publishedImageSettings } from '../images/source.js'
import type { PullPolicy } from '../config/schema.js'
import { OpencodePackageCache, hostHasAvx2 } from '../opencode/package-cache.js'
import { listSpins, spinRoots } from '../spins/discovery.js'
import { loadSpin, type Spin } from '../spins/load.js'
import { taskList } from '../ui/tasks.js'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { Label } from '../labels.js'

export interface BuildOptions {
  spins: string[]
  all: boolean
  rebuild: boolean
  opencodeVersion?: string
  baseImage?: string
  project: string
  builder?: string
  registry?: string
  pull?: PullPolicy
}

export interface BuildResult {
  opencodeVersion: string
  images: (ImageStatus & { action: 'built' | 'up to date' | 'pulled'; ref: string })[]
}

/** Every spin named (or all), each checked before anything is built: one bad spin builds nothing. */
async function loadSpins(
  names: string[],
  all: boolean,
  project: string,
  d: Pick<Deps, 'env'>,
): Promise<Spin[]> {
  const wanted = all ? (await listSpins(spinRoots(project, d.env))).map((s) => s.name) : names
  const spins: Spin[] = []
  for (const name of wanted) spins.push(await loadSpin(name, project, d.env))
  return spins
}

const packageCache = async (d: Pick<Deps, 'paths' | 'npm'>) =>
  new OpencodePackageCache(d.paths.cacheDir, d.npm, await hostHasAvx2())

/** What `caiged build`'s steps learn and hand on. */
interface BuildState {
  version: string
  prepared?: PreparedPlan
  statuses: ImageStatus[]
  /** Spin → the registry's image pulled in place of a build. */
  pulled: Map<string, string>
}

/** Everything `caiged build` needs before its steps start. */
interface BuildSetup {
  o: BuildOptions
  d: Deps
  builder: ImageBuilder
  prefix: string
  baseImage: string
  spins: Spin[]
  registry: string | undefined
  pull: PullPolicy
}

/** A listr2 task as a step sees it: its title, and its live output. */
interface Step {
  title: string
  output: string
}

const isStale = (s: ImageStatus) => s.reasons.length > 0

function checkSpinSelection(o: BuildOptions): void {
  if (o.spins.length > 0 && o.all) throw usageError('Name spins or use --all, not both.')
  if (o.spins.length === 0 && !o.all) {
    throw usageError(
      'Which spins? Name them (caiged build dev qa) or use --all.',
      'caiged spins list shows them.',
    )
  }
}

/** `caiged build`: local images for the engine's platform and the host user, only those stale. */
export async function buildImages(o: BuildOptions, d: Deps): Promise<BuildResult> {
  checkSpinSelection(o)
  const prefix = imagePrefix(d.env)
  const baseImage = baseImageFrom(o.baseImage, d.env)
  const spins = await loadSpins(o.spins, o.all, o.project, d)
  const { registry, pull } = publishedImageSettings(o, await d.config(), d.env)
  const builder = new ImageBuilder(d.docker, await packageCache(d))
  const setup: BuildSetup = { o, d, builder, prefix, baseImage, spins, registry, pull }
  const state: BuildState = { version: '', statuses: [], pulled: new Map() }
  try {
    await taskList<object>(
      [
        { title: 'Resolve the OpenCode version', task: (_, task) => resolveVersion(setup, state, task) },
        { title: 'Compare images with the spins', task: (_, task) => compareImages(setup, state, task) },
        {
          title: 'Build images',
          enabled: () => state.statuses.some(isStale),
          rendererOptions: { outputBar: 8, persistentOutput: false },
          task: (_, task) => buildStale(setup, state, task),
        },
      ],
      { json: d.io.json, report: d.io.withinTask },
    ).run({})
  } finally {
    state.prepared?.dispose()
  }
  return { opencodeVersion: state.version, images: state.statuses.map((s) => builtImage(s, state.pulled)) }
}

async function resolveVersion({ o, d }: BuildSetup, state: BuildState, task: Step): Promise<void> {
  const resolved = await opencodeVersionFor(d, {
    flag: o.opencodeVersion,
    host: () => d.hostOpencode.version(),
  })
  state.version = resolved.version
  task.title = `OpenCode ${state.version} (from ${resolved.source})`
}

async function compareImages(setup: BuildSetup, state: BuildState, task: Step): Promise<void> {
  const { o, d, builder } = setup
  const inputs = await imageInputs(d, {
    opencodeVersion: state.version,
    baseImage: setup.baseImage,
    imagePrefix: setup.prefix,
    ...d.hostIds,
  })
  state.prepared = await builder.prepare(setup.spins, inputs)
  state.statuses = await builder.status(state.prepared.plan)
  if (o.rebuild) for (const s of state.statuses) if (s.reasons.length === 0) s.reasons.push('--rebuild')
  // A stale image the registry has, exactly as this build would make it, is pulled instead.
  if (setup.registry && !o.rebuild) await pullFromRegistry(setup, setup.registry, inputs, state)
  const stale = state.statuses.filter(isStale)
  const fromRegistry = state.pulled.size ? `Pulled ${[...state.pulled.values()].join(', ')}. ` : ''
  task.title = stale.length
    ? `${fromRegistry}To build: ${stale.map((s) => `${s.image} (${s.reasons.join('; ')})`).join(', ')}`
    : `${fromRegistry}Up to date: ${state.statuses.map((s) => s.image).join(', ')}`
}

/** Each stale image the registry has is pulled, and no longer stale. */
async function pullFromRegistry(
  { d, pull }: BuildSetup,
  registry: string,
  inputs: ImageInputs,
  state: BuildState,
): Promise<void> {
  const plan = (state.prepared as PreparedPlan).plan
  const platform = `linux/${(await d.docker.system.version()).Server.Arch ?? 'amd64'}`
  for (const status of state.statuses.filter(isStale)) {
    const spin = plan.spins.find((s) => s.name === status.spin) as { name: string; hash: string }
    const choice = await chooseImage({ spin, inputs, localRef: status.image, registry, pull, platform }, d)
    if (choice.source === 'registry') {
      state.pulled.set(status.spin, choice.ref)
      status.reasons = []
    }
  }
}

async function buildStale({ o, builder }: BuildSetup, state: BuildState, task: Step): Promise<void> {
  const stale = state.statuses.filter(isStale)
  task.title = `Build base + ${stale.map((s) => s.spin).join(', ')} (docker buildx bake)`
  await builder.build(
    state.prepared as PreparedPlan,
    stale.map((s) => s.spin),
    (line) => {
      task.output = line
    },
    o.builder,
  )
  task.title = `Built ${stale.map((s) => s.image).join(', ')}`
}

function builtImage(s: ImageStatus, pulled: Map<string, string>): BuildResult['images'][number] {
  return {
    ...s,
    ref: pulled.get(s.spin) ?? s.image,
    action: pulled.has(s.spin)
      ? ('pulled' as const)
      : s.reasons.length
        ? ('built' as const)
        : ('up to date' as const),
  }
}

export interface BakeOptions {
  /** base and/or spin names; none means base and every spin. */
  targets: string[]
  print: boolean
  push: boolean
  platforms: string[]
  registry?: string
  tag?: string
  cacheFrom: string[]
  cacheTo: string[]
  builder?: string
  sets: string[]
  /** One version, or several for a matrix: every spin published for each. */
  opencodeVersions: string[]
  baseImage?: string
  project: string
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

export interface PublishedImage {
  target: string
  /** The first of its tags: <registry>/<prefix>-<name>:oc<OpenCode>-caiged<caiged>. */
  ref: string
  tags: string[]
  /** The index (or manifest) digest the registry serves for ref. */
  digest: string
  platforms: string[]
}

/** What bake's --metadata-file says of each target it pushed. */
const BakeMetadataSchema = lazySchema(() =>
  z.record(
    z.string(),
    z
      .object({ 'containerimage.digest': z.string().optional(), 'image.name': z.string().optional() })
      .passthrough(),
  ),
)

function checkBakeOptions(o: BakeOptions): void {
  if (o.registry && !REGISTRY_PATH.test(o.registry)) {
    throw usageError(
      `"${o.registry}" is not a registry path.`,
      'For example ghcr.io/me or registry.example:5000/team.',
    )
  }
  if (o.tag && !TAG.test(o.tag)) throw usageError(`"${o.tag}" is not a valid image tag.`)
  for (const s of o.sets) if (!/^[^=\s]+=/.test(s)) throw usageError(`--set "${s}" is not TARGET.KEY=VALUE.`)
}

/** Which targets to bake: base, the egress gateway, and the spins named (none named: all of them). */
function bakeSelection(targets: string[]): {
  includeBase: boolean
  includeGateway: boolean
  named: string[]
} {
  return {
    includeBase: targets.length === 0 || targets.includes('base'),
    // The egress gateway goes with everything (or by name): a team's agents run behind the same one.
    includeGateway: targets.length === 0 || targets.includes(GATEWAY_TARGET),
    named: targets.filter((t) => t !== 'base' && t !== GATEWAY_TARGET).map((t) => t.replace(/^spin-/, '')),
  }
}

/** The OpenCode versions asked for (none: the usual choice), resolved, each once, in order. */
async function resolveVersions(o: BakeOptions, d: Deps): Promise<string[]> {
  const requested = o.opencodeVersions.length ? o.opencodeVersions : [undefined]
  const versions: string[] = []
  for (const flag of requested) {
    const { version: v } = await opencodeVersionFor(d, { flag, host: () => d.hostOpencode.version() })
    if (!versions.includes(v)) versions.push(v)
  }
  return versions
}

/** Docker's names of the architectures to bake for: the platforms asked for, or the engine's own. */
async function bakeArchs(o: BakeOptions, d: Deps): Promise<string[]> {
  return (
    o.platforms.length ? o.platforms : [`linux/${(await d.docker.system.version()).Server.Arch ?? 'amd64'}`]
  ).map((p) => p.split('/')[1] as string)
}

/** Each version's OpenCode packages folder. */
async function versionCells(
  o: BakeOptions,
  packages: OpencodePackageCache,
  versions: string[],
  archs: string[],
): Promise<{ version: string; pkgDir: string }[]> {
  // --print builds nothing, so it downloads nothing either.
  const cells = []
  for (const v of versions)
    cells.push({ version: v, pkgDir: o.print ? packages.dirFor(v) : await packages.ensure(v, archs) })
  return cells
}

/** The local folders among --cache-from and --cache-to, absolute. */
function localCacheDirs(o: BakeOptions): string[] {
  return [...o.cacheFrom, ...o.cacheTo]
    .map(localCacheDir)
    .filter((dir): dir is string => dir !== undefined)
    .map((dir) => path.resolve(dir))
}

/**
 * Every target bake really builds: one per version in a matrix, each with its own cache (the
 * gateway holds no OpenCode: one for every version).
 */
function cacheTargetsFor(prepared: PreparedPlan, versions: string[], includeGateway: boolean): string[] {
  const plainTargets = ['base', ...prepared.plan.spins.map((s) => spinTarget(s.name))]
  return [
    ...(versions.length > 1
      ? versions.flatMap((v) => plainTargets.map((t) => versionTarget(t, v)))
      : plainTargets),
    ...(includeGateway ? [GATEWAY_TARGET] : []),
  ]
}

/** Each target gets its own sub-folder of each local cache (see cacheForTarget); they must exist to be granted. */
async function makeCacheFolders(cacheDirs: string[], cacheTargets: string[]): Promise<void> {
  for (const dir of cacheDirs)
    for (const t of cacheTargets) await fs.mkdir(path.join(dir, t), { recursive: true })
}

/** Each target's OCI annotations, with the OpenCode version it holds (a matrix target's own). */
function annotationsFor(
  targets: string[],
  versions: string[],
  caigedVersion: string,
): Record<string, Record<string, string>> {
  const versionOf = (target: string) =>
    versions.find((v) => target === versionTarget(target.replace(/-oc[^-]+$/, ''), v)) ??
    (versions[0] as string)
  return Object.fromEntries(
    targets.map((t) => [t, ociAnnotations(t.replace(/-oc[^-]+$/, ''), versionOf(t), caigedVersion)]),
  )
}

/** What `caiged bake` answers: the pushed images, bake's --print JSON, or nothing (loaded). */
async function bakeOutcome(
  o: BakeOptions,
  stdout: string,
  metadataFile: string,
  platforms: string[],
): Promise<{ printed?: unknown; images?: PublishedImage[] }> {
  if (o.push && !o.print) return { images: await publishedImages(metadataFile, platforms) }
  if (!o.print) return {}
  const definition = parseDockerJson(BakePrintSchema, stdout, 'docker buildx bake --print')
  if (Object.keys(definition.target).length === 0) throw new CaigedError('bake --print resolved no targets.')
  return { printed: JSON.parse(stdout) as unknown }
}

/**
 * `caiged bake`: the CI build, through the same plan and bake invoker as local builds, for the
 * published images' uid 1000, any platforms, a registry and caches. Returns bake's --print JSON.
 */
export async function bakeImages(
  o: BakeOptions,
  d: Deps,
): Promise<{ printed?: unknown; images?: PublishedImage[] }> {
  checkBakeOptions(o)
  const { includeBase, includeGateway, named } = bakeSelection(o.targets)
  const spins = await loadSpins(named, o.targets.length === 0, o.project, d)
  const packages = await packageCache(d)
  const versions = await resolveVersions(o, d)
  const builder = new ImageBuilder(d.docker, packages)
  const inputs = await imageInputs(d, {
    opencodeVersion: versions[0] as string,
    imagePrefix: imagePrefix(d.env),
    baseImage: baseImageFrom(o.baseImage, d.env),
    // Published images are for everyone: the agent's uid is 1000, not this machine's user's.
    uid: 1000,
    gid: 1000,
  })
  const prepared = await builder.prepare(spins, inputs)
  try {
    const archs = await bakeArchs(o, d)
    const cells = await versionCells(o, packages, versions, archs)
    const cacheDirs = localCacheDirs(o)
    const cacheTargets = cacheTargetsFor(prepared, versions, includeGateway)
    const platforms = o.platforms.length ? o.platforms : archs.map((a) => `linux/${a}`)
    const metadataFile = path.join(prepared.workDir, 'metadata.json')
    await makeCacheFolders(cacheDirs, cacheTargets)
    const result = await runBake(d.docker, {
      prepared,
      spins: prepared.plan.spins,
      includeBase,
      extraTargets: includeGateway ? [GATEWAY_TARGET] : [],
      pkgDir: (cells[0] as { pkgDir: string }).pkgDir,
      platforms: o.platforms,
      variables: { REGISTRY: o.registry ?? '', TAG: o.tag ?? '', EGRESS_HASH: await gatewayFilesHash() },
      versions: cells,
      invocation: {
        builder: o.builder,
        print: o.print,
        push: o.push,
        load: !o.print && !o.push,
        progress: 'plain',
        cacheFrom: o.cacheFrom,
        cacheTo: o.cacheTo,
        cacheTargets,
        sets: o.sets,
        readWriteDirs: cacheDirs,
        metadataFile: o.push && !o.print ? metadataFile : undefined,
        annotationLevels: platforms.length > 1 ? 'index,manifest' : 'manifest',
        annotations: annotationsFor(cacheTargets, versions, inputs.caigedVersion),
      },
      onLine: o.print ? undefined : (line) => d.io.progress(line),
    })
    return await bakeOutcome(o, result.stdout, metadataFile, platforms)
  } finally {
    prepared.dispose()
  }
}

/** The OCI annotations of a published index and its manifests. Values hold no commas (bake's --set). */
function ociAnnotations(
  target: string,
  opencodeVersion: string,
  caigedVersion: string,
): Record<string, string> {
  return {
    'org.opencontainers.image.title': `caiged ${target.replace(/^spin-/, '')}`,
    'org.opencontainers.image.version': caigedVersion,
    'org.opencontainers.image.vendor': 'caiged',
    'org.opencontainers.image.licenses': 'MIT',
    [Label.opencodeVersion]: opencodeVersion,
  }
}

async function publishedImages(metadataFile: string, platforms: string[]): Promise<PublishedImage[]> {
  const metadata = BakeMetadataSchema.parse(JSON.parse(await fs.readFile(metadataFile, 'utf8')))
  return Object.entries(metadata)
    .filter(([, m]) => m['containerimage.digest'] && m['image.name'])
    .map(([target, m]) => {
      const tags = (m['image.name'] as string).split(',')
      return { target, ref: tags[0] as string, tags, digest: m['containerimage.digest'] as string, platforms }
    })
    .sort((a, b) => a.target.localeCompare(b.target))
}
