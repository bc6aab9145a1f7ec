import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { describe } from 'vitest'
import { e2eRequired, engineProblem } from './engine.js'

/** The open test registry .ci/registry.sh starts, and the one behind htpasswd auth. */
export const testRegistry = '127.0.0.1:5000'
export const authRegistry = '127.0.0.1:5001'
/** The multi-arch (amd64 + arm64) base .ci/base-multiarch.sh pushes. */
export const multiarchBase = `${testRegistry}/debian:bookworm`
/** The auth registry's password (user caiged), written by .ci/registry.sh; never put in an argv. */
export const authPasswordFile = '/var/lib/caiged-ci/registry/auth.pass'

function probe(): string | undefined {
  if (engineProblem) return `no Docker engine (${engineProblem})`
  try {
    execFileSync('curl', ['-sf', '-o', '/dev/null', `http://${testRegistry}/v2/`], {
      stdio: 'pipe',
      timeout: 5_000,
    })
  } catch {
    return `no registry answers on ${testRegistry}: start it with bash .ci/registry.sh`
  }
  try {
    const raw = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--raw', multiarchBase], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 30_000,
    })
    if (!raw.includes('arm64') || !raw.includes('amd64'))
      return `${multiarchBase} is not an amd64 + arm64 index`
  } catch {
    return `${multiarchBase} is missing: make it with bash .ci/qemu.sh && bash .ci/base-multiarch.sh`
  }
  if (!fs.existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64'))
    return 'no QEMU for arm64: run bash .ci/qemu.sh'
  return undefined
}

/** Why the registry tests cannot run here, or undefined when they can. */
export const registryProblem = probe()
if (registryProblem && !engineProblem) console.warn(`[caiged] registry tests: ${registryProblem}`)

/** Deletes a pushed manifest from a test registry (its storage has delete enabled). */
export async function deleteFromRegistry(ref: string, digest: string): Promise<void> {
  const [host, ...rest] = ref.split('/')
  const repo = rest.join('/').replace(/:[^:/]+$/, '')
  await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined)
}

/**
 * `describe` for tests that need the registry side (.ci/registry.sh, qemu.sh, base-multiarch.sh):
 * skipped with the reason above, or, with CAIGED_E2E=1, failing loudly when it is missing.
 */
export const describeRegistry = describe.skipIf(
  engineProblem !== undefined || (registryProblem !== undefined && !e2eRequired),
)
export function requireRegistry(): void {
  if (registryProblem) throw new Error(`CAIGED_E2E=1 but ${registryProblem}`)
}
