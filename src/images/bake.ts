import fs from 'node:fs/promises'
import path from 'node:path'
import { bakeArgs, type BakeInvocation } from '../bake/bake-args.js'
import { bakeVariables, renderSpinsHcl, spinTarget, type ImagePlan, type SpinBuild } from '../bake/plan.js'
import type { Docker, DockerResult } from '../docker/index.js'
import { CaigedError } from '../errors.js'
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
  /** The OpenCode package folder (the build's named context). */
  pkgDir: string
  platforms: string[]
  /** Bake variables besides the plan's (REGISTRY, TAG). */
  variables?: Record<string, string>
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
  await fs.writeFile(hclFile, renderSpinsHcl(r.spins))
  const args = bakeArgs({
    ...r.invocation,
    files: [path.join('bake', 'docker-bake.hcl'), hclFile],
    targets: [...(r.includeBase ? ['base'] : []), ...r.spins.map((s) => spinTarget(s.name))],
    buildxVersion: await docker.buildx.version(),
    readDirs: [r.prepared.workDir, r.pkgDir],
  })
  const tail: string[] = []
  const result = await docker.buildx.bake(args, {
    env: { ...bakeVariables(r.prepared.plan, r.pkgDir, r.platforms), ...r.variables },
    cwd: packageRoot,
    onLine: (line) => {
      tail.push(line)
      if (tail.length > 25) tail.shift()
      r.onLine?.(line)
    },
  })
  if (result.exitCode !== 0) {
    throw new CaigedError(`The image build failed (docker buildx bake exited ${result.exitCode}).`, {
      hint: `Its last lines:\n${(tail.length ? tail : result.stderr.split('\n')).slice(-25).join('\n')}`,
    })
  }
  return result
}
