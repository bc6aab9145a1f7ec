import { promises as fs } from 'node:fs'
import path from 'node:path'
import { bakeArgs, type BakeInvocation } from '../bake/bake-args.js'
import {
  BASES_BLOCK,
  bakeVariables,
  renderSpinsHcl,
  spinTarget,
  type ImagePlan,
  type SpinBuild,
  type VersionCell,
} from '../bake/plan.js'
import type { Docker, DockerResult } from '../docker/index.js'
import { CaigedError, ExitCode } from '../errors.js'
import { packageRoot } from '../paths.js'

/** A plan with its spins staged in a temporary folder, removed by dispose(). */
export interface PreparedPlan {
  plan: ImagePlan
  workDir: string
  dispose: () => void
}

export interface BakeRequest {
  prepared: PreparedPlan
  /** The spin targets to build (each pulls the base in through its `target:base` context). */
  spins: SpinBuild[]
  /** Name the base target too (bake publishes it on its own). */
  includeBase: boolean
  /** Other targets of bake/docker-bake.hcl to build with them (the egress gateway). */
  extraTargets?: string[]
  /** The OpenCode package folder (the build's named context). */
  pkgDir: string
  platforms: string[]
  /** Bake variables besides the plan's (REGISTRY, TAG). */
  variables?: Record<string, string>
  /** Several OpenCode versions: every target becomes a matrix over them (see renderSpinsHcl). */
  versions?: VersionCell[]
  invocation: Omit<BakeInvocation, 'files' | 'targets' | 'buildxVersion' | 'readDirs'>
  onLine?: (line: string) => void
}

/**
 * The one bake invoker, for `run`, `build` and `bake`: writes the generated spin targets beside
 * bake/docker-bake.hcl, grants the folders the build reads, and runs `docker buildx bake`. A
 * failed bake is an error carrying its last lines.
 */
export async function runBake(docker: Docker, r: BakeRequest): Promise<DockerResult> {
  const hclFile = path.join(r.prepared.workDir, 'spins.hcl')
  await fs.writeFile(hclFile, renderSpinsHcl(r.spins, r.versions))
  const matrix = (r.versions?.length ?? 0) > 1
  const args = bakeArgs({
    ...r.invocation,
    files: [path.join('bake', 'docker-bake.hcl'), hclFile],
    targets: [
      ...(r.includeBase ? [matrix ? BASES_BLOCK : 'base'] : []),
      ...r.spins.map((s) => spinTarget(s.name)),
      ...(r.extraTargets ?? []),
    ],
    buildxVersion: await docker.buildx.version(),
    readDirs: [r.prepared.workDir, r.pkgDir, ...(r.versions ?? []).map((v) => v.pkgDir)],
  })
  let tail: string[] = []
  const bake = () => {
    tail = []
    return docker.buildx.bake(args, {
      env: { ...bakeVariables(r.prepared.plan, r.pkgDir, r.platforms), ...r.variables },
      cwd: packageRoot,
      onLine: (line) => {
        tail.push(line)
        if (tail.length > 25) tail.shift()
        r.onLine?.(line)
      },
    })
  }
  let result = await bake()
  // BuildKit with the containerd image store now and then loses a layer while it unpacks two
  // images that share it (moby/buildkit#6521, open): everything else is cached, so once more.
  if (result.exitCode !== 0 && lostSnapshot([...tail, result.stderr].join('\n'))) {
    r.onLine?.(
      'BuildKit lost a layer while unpacking (moby/buildkit#6521); building once more from its cache.',
    )
    result = await bake()
  }
  if (result.exitCode !== 0) {
    const unseenBase = baseImageUnseen(r.prepared.plan.baseImage, [...tail, result.stderr].join('\n'))
    if (unseenBase) throw unseenBase
    throw new CaigedError(`The image build failed (docker buildx bake exited ${result.exitCode}).`, {
      hint: `Its last lines:\n${(tail.length ? tail : result.stderr.split('\n')).slice(-25).join('\n')}`,
    })
  }
  return result
}

/** BuildKit's intermittent unpack failure: a parent snapshot gone while an image is unpacked. */
export function lostSnapshot(output: string): boolean {
  return /failed to prepare extraction snapshot .*parent snapshot \S+ does not exist/.test(output)
}

/**
 * A base image that lives only in another engine's image store (docker load'ed or built there) is
 * invisible to this builder, and the registry it would come from has no such image: said plainly.
 */
function baseImageUnseen(baseImage: string, output: string): CaigedError | undefined {
  const name = baseImage.replace(/^docker\.io\/(library\/)?/, '')
  const unresolved = output
    .split('\n')
    .some(
      (line) =>
        /failed to resolve source metadata for|pull access denied|not found/.test(line) &&
        line.includes(name),
    )
  if (!unresolved) return undefined
  return new CaigedError(
    `The base image ${baseImage} is not in the image store of the engine this build runs on, and cannot be pulled from a registry.`,
    {
      exitCode: ExitCode.NotFound,
      hint:
        `Load it into that engine (docker save ${baseImage} | docker --context OTHER load), push it to a registry ` +
        'the builder can reach and pass --base-image REGISTRY/IMAGE, or build where it is (DOCKER_CONTEXT, --builder).',
    },
  )
}
