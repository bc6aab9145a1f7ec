import semver from 'semver'
import { z } from 'zod/v3'

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
  /** Raw `--set` overrides, passed through unchanged. */
  sets?: string[]
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
  const version = semver.coerce(buildxVersion)
  return version !== null && semver.gte(version, '0.17.0')
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
  if (!o.print && bakeHasFsEntitlements(o.buildxVersion)) {
    for (const dir of unique(o.readDirs ?? [])) args.push('--allow', `fs.read=${dir}`)
    for (const dir of unique(o.readWriteDirs ?? [])) args.push('--allow', `fs=${dir}`)
  }
  for (const source of o.cacheFrom ?? []) args.push('--set', `*.cache-from=${source}`)
  for (const dest of o.cacheTo ?? []) args.push('--set', `*.cache-to=${dest}`)
  for (const set of o.sets ?? []) args.push('--set', set)
  args.push(...o.targets)
  return args
}

const unique = (values: string[]) => [...new Set(values)]

/** The local folder of a `type=local` cache spec (src= or dest=), which bake must be granted. */
export function localCacheDir(spec: string): string | undefined {
  const fields = Object.fromEntries(
    spec.split(',').map((kv) => {
      const eq = kv.indexOf('=')
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]
    }),
  )
  if (fields.type !== 'local') return undefined
  return fields.dest ?? fields.src
}

/**
 * `bake --print` JSON. buildx 0.29 prints cache-from/cache-to/attest entries as objects, 0.13 as
 * CSV strings; both are read into CSV strings.
 */
const CsvOrObject = z
  .union([z.string(), z.record(z.string(), z.union([z.string(), z.boolean(), z.number()]))])
  .transform((entry) =>
    typeof entry === 'string'
      ? entry
      : Object.entries(entry)
          .sort(([a], [b]) => (a === 'type' ? -1 : b === 'type' ? 1 : a.localeCompare(b)))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
  )
const PrintedTarget = z.object({
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
})
export const BakePrintSchema = z.object({
  group: z.record(z.string(), z.object({ targets: z.array(z.string()) })).optional(),
  target: z.record(z.string(), PrintedTarget),
})
export type BakePrint = z.infer<typeof BakePrintSchema>
