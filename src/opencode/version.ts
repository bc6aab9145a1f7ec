// Single functions, not all of semver: its ranges cost a warm run's start (bench/), so the range
// check is loaded only for a version that is not exact.
import valid from 'semver/functions/valid.js'
import { CaigedError, ExitCode } from '../errors.js'

/**
 * The version `opencode --version` printed: its first word with one leading "v" stripped, as the
 * original read it. Undefined when that is not an exact semver.
 */
export function parseHostVersion(stdout: string): string | undefined {
  const first = stdout.trim().split(/\s+/)[0] ?? ''
  const version = first.startsWith('v') ? first.slice(1) : first
  return /^\d/.test(version) ? (valid(version) ?? undefined) : undefined
}

export type VersionSource = 'OPENCODE_VERSION' | 'flag' | 'host opencode' | 'registry latest'

export interface VersionInputs {
  /** --opencode-version, then OPENCODE_VERSION: exact, "latest" or a semver range. */
  requested: { value: string; source: 'flag' | 'OPENCODE_VERSION' } | undefined
  hostVersion: () => Promise<string | undefined>
  /** Resolves "latest" or a range against the npm registry's opencode-ai versions. */
  resolveFromRegistry: (spec: string) => Promise<string | undefined>
}

/**
 * The exact OpenCode version to build: the flag or OPENCODE_VERSION, else the host client's (a
 * client/server mismatch breaks the TUI), else the registry's latest. Always an exact semver.
 */
export async function resolveOpencodeVersion(
  inputs: VersionInputs,
): Promise<{ version: string; source: VersionSource }> {
  const requested = inputs.requested?.value.trim()
  const source = inputs.requested?.source ?? 'OPENCODE_VERSION'
  if (requested) {
    const exact = valid(requested.replace(/^v/, ''))
    if (exact) return { version: exact, source }
    const { default: validRange } = await import('semver/ranges/valid.js')
    if (requested !== 'latest' && validRange(requested) === null) {
      throw new CaigedError(`"${requested}" is not an OpenCode version.`, {
        exitCode: ExitCode.Usage,
        hint: 'Give an exact version (1.18.33), a range (^1.18) or "latest".',
      })
    }
    const resolved = await inputs.resolveFromRegistry(requested)
    if (!resolved) {
      throw new CaigedError(`No OpenCode release matches "${requested}" on the npm registry.`, {
        exitCode: ExitCode.NotFound,
      })
    }
    return { version: resolved, source }
  }
  const host = await inputs.hostVersion()
  if (host) return { version: host, source: 'host opencode' }
  const latest = await inputs.resolveFromRegistry('latest')
  if (!latest) throw new CaigedError('Could not find the latest OpenCode version on the npm registry.')
  return { version: latest, source: 'registry latest' }
}

/** Docker platform architectures and the npm platform package that carries OpenCode for each. */
export function opencodePackageFor(dockerArch: string, hasAvx2: boolean): string {
  switch (dockerArch) {
    case 'amd64':
      // The regular x64 build needs AVX2; the baseline one runs on any x86-64.
      return hasAvx2 ? 'opencode-linux-x64' : 'opencode-linux-x64-baseline'
    case 'arm64':
      return 'opencode-linux-arm64'
    default:
      throw new CaigedError(`OpenCode has no Linux build for the ${dockerArch} architecture.`, {
        exitCode: ExitCode.Usage,
        hint: 'caiged images can be built for linux/amd64 and linux/arm64.',
      })
  }
}

/** npm's "sha512-<base64>" integrity as the hex digest sha512sum prints. */
export function integrityToSha512Hex(integrity: string): string {
  const match = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity.trim())
  if (!match) throw new CaigedError(`Unsupported package integrity "${integrity}" (expected sha512).`)
  return Buffer.from(match[1] as string, 'base64').toString('hex')
}
