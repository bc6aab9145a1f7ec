// Single functions, not all of semver: its ranges cost a warm run's start (bench/).
import coerce from 'semver/functions/coerce.js'
import gte from 'semver/functions/gte.js'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'

export interface BakeInvocation {
  files: string[]
  targets: string[]
  /** buildx's own version: it decides which flags exist. */
  buildxVersion: string
  print?: boolean
  load?: boolean
  push?: boolean
  builder?: string
  progress?: 'plain' | 'auto' | 'tty' | 'quiet' | 'rawjson'
  cacheFrom?: string[]
  cacheTo?: string[]
  /** Every target the bake builds, the ones pulled in through `target:` contexts included. */
  cacheTargets?: string[]
  /** Raw `--set` overrides, passed through unchanged. */
  sets?: string[]
  /** Where bake writes each target's pushed digest and names. */
  metadataFile?: string
  /** OCI annotations per target, for its index and manifests (a push only). */
  annotations?: Record<string, Record<string, string>>
  /** Where they go: a single-platform image has no index, and BuildKit refuses index ones then. */
  annotationLevels?: 'index,manifest' | 'manifest'
  /** Folders outside the working directory the build reads (contexts) ... */
  readDirs?: string[]
  /** ... and reads and writes (local caches). */
  readWriteDirs?: string[]
}

/**
 * buildx 0.17 and later refuse a bake that reads or writes outside its working directory unless it
 * is granted with --allow (and ask on a terminal); 0.13 has no bake --allow at all. So grants are
 * passed exactly when this buildx has them.
 */
export function bakeHasFsEntitlements(buildxVersion: string): boolean {
  const version = coerce(buildxVersion)
  return version !== null && gte(version, '0.17.0')
}

/** The argv of one `docker buildx bake` (pure, so both buildx generations are covered by unit tests). */
export function bakeArgs(o: BakeInvocation): string[] {
  const args = ['buildx', 'bake']
  if (o.builder) args.push('--builder', o.builder)
  for (const file of o.files) args.push('-f', file)
  if (o.print) args.push('--print')
  if (o.load) args.push('--load')
  if (o.push) args.push('--push')
  if (o.progress && !o.print) args.push('--progress', o.progress)
  if (o.metadataFile && !o.print) args.push('--metadata-file', o.metadataFile)
  if (!o.print && bakeHasFsEntitlements(o.buildxVersion)) {
    for (const dir of unique(o.readDirs ?? [])) args.push('--allow', `fs.read=${dir}`)
    for (const dir of unique(o.readWriteDirs ?? [])) args.push('--allow', `fs=${dir}`)
  }
  // One cache per target: targets sharing one local folder race on its blobs, and one registry
  // ref or gha scope would keep only the last target's layers.
  for (const target of o.cacheTargets ?? []) {
    for (const source of o.cacheFrom ?? [])
      args.push('--set', `${target}.cache-from=${cacheForTarget(source, target)}`)
    for (const dest of o.cacheTo ?? [])
      args.push('--set', `${target}.cache-to=${cacheForTarget(dest, target)}`)
  }
  // On the index too, where registries and their UIs read them; a single-platform load has no
  // index, so only a push carries them.
  for (const [target, annotations] of o.push ? Object.entries(o.annotations ?? {}) : []) {
    for (const [key, value] of Object.entries(annotations))
      args.push('--set', `${target}.annotations=${o.annotationLevels ?? 'manifest'}:${key}=${value}`)
  }
  for (const set of o.sets ?? []) args.push('--set', set)
  args.push(...o.targets)
  return args
}

const unique = (values: string[]) => [...new Set(values)]

/**
 * A cache spec scoped to one target: a local folder gets a sub-folder, a registry ref a tag suffix
 * (or tag), a gha cache a scope. Other types are used as given.
 */
export function cacheForTarget(spec: string, target: string): string {
  const fields = parseCsv(spec)
  if (fields.type === 'local') {
    for (const key of ['src', 'dest']) if (fields[key]) fields[key] = `${fields[key]}/${target}`
  } else if (fields.type === 'registry' && fields.ref) {
    const ref = fields.ref
    const tagAt = ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.lastIndexOf(':') : -1
    fields.ref = tagAt < 0 ? `${ref}:${target}` : `${ref}-${target}`
  } else if (fields.type === 'gha') {
    fields.scope = fields.scope ? `${fields.scope}-${target}` : target
  }
  return Object.entries(fields)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join(',')
}

function parseCsv(spec: string): Record<string, string> {
  return Object.fromEntries(
    spec.split(',').map((kv) => {
      const eq = kv.indexOf('=')
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]
    }),
  )
}

/** The local folder of a `type=local` cache spec (src= or dest=), which bake must be granted. */
export function localCacheDir(spec: string): string | undefined {
  const fields = parseCsv(spec)
  if (fields.type !== 'local') return undefined
  return fields.dest ?? fields.src
}

/**
 * `bake --print` JSON. buildx 0.29 prints cache-from/cache-to/attest entries as objects, 0.13 as
 * CSV strings; both are read into CSV strings.
 */
const CsvOrObject = lazySchema(() =>
  z
    .union([z.string(), z.record(z.string(), z.union([z.string(), z.boolean(), z.number()]))])
    .transform((entry) =>
      typeof entry === 'string'
        ? entry
        : Object.entries(entry)
            .sort(([a], [b]) => (a === 'type' ? -1 : b === 'type' ? 1 : a.localeCompare(b)))
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(','),
    ),
)
const PrintedTarget = lazySchema(() =>
  z.object({
    context: z.string().optional(),
    dockerfile: z.string().optional(),
    contexts: z.record(z.string(), z.string()).optional(),
    args: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    tags: z.array(z.string()).optional(),
    platforms: z.array(z.string()).optional(),
    attest: z.array(CsvOrObject).optional(),
    'cache-from': z.array(CsvOrObject).optional(),
    'cache-to': z.array(CsvOrObject).optional(),
    output: z.array(CsvOrObject).optional(),
    target: z.string().optional(),
  }),
)
export const BakePrintSchema = lazySchema(() =>
  z.object({
    group: z.record(z.string(), z.object({ targets: z.array(z.string()) })).optional(),
    target: z.record(z.string(), PrintedTarget),
  }),
)
export type BakePrint = z.infer<typeof BakePrintSchema>
