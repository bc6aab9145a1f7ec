import rsort from 'semver/functions/rsort.js'
import valid from 'semver/functions/valid.js'
import { CaigedError } from '../errors.js'
import { lastLine } from '../text.js'
import { runProcess } from '../process/spawn.js'

/** The npm registry, where OpenCode's versions and binaries come from (an interface: tests fake it). */
export interface PackageRegistry {
  resolveVersion(pkg: string, spec: string): Promise<string | undefined>
  integrity(pkg: string, version: string): Promise<string | undefined>
  pack(pkg: string, version: string, dir: string): Promise<string>
}

/**
 * The npm registry through the user's own `npm`, so their registry, proxy and CA settings apply.
 */
export class NpmRegistry implements PackageRegistry {
  /** The highest published version of pkg matching spec ("latest", a range or exact), if any. */
  async resolveVersion(pkg: string, spec: string): Promise<string | undefined> {
    const result = await this.npm(['view', `${pkg}@${spec}`, 'version', '--json'])
    if (result.exitCode !== 0) return undefined
    const parsed: unknown = result.stdout.trim() === '' ? [] : JSON.parse(result.stdout)
    const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (v): v is string => typeof v === 'string' && valid(v) !== null,
    )
    return rsort(versions)[0]
  }

  /** dist.integrity of pkg@version, or undefined when that package version does not exist. */
  async integrity(pkg: string, version: string): Promise<string | undefined> {
    const result = await this.npm(['view', `${pkg}@${version}`, 'dist.integrity', '--json'])
    if (result.exitCode !== 0 || result.stdout.trim() === '') return undefined
    const value: unknown = JSON.parse(result.stdout)
    return typeof value === 'string' ? value : undefined
  }

  /** Downloads pkg@version's tarball into dir (npm verifies it against the registry); returns its path. */
  async pack(pkg: string, version: string, dir: string): Promise<string> {
    const result = await this.npm(['pack', `${pkg}@${version}`, '--pack-destination', dir, '--json'])
    if (result.exitCode !== 0) {
      throw new CaigedError(`npm could not download ${pkg}@${version}: ${lastLine(result.stderr)}`, {
        hint: 'Check that the npm registry is reachable (`npm ping`).',
      })
    }
    const [packed] = JSON.parse(result.stdout) as { filename: string }[]
    if (!packed) throw new CaigedError(`npm pack ${pkg}@${version} printed no file name.`)
    return `${dir}/${packed.filename}`
  }

  private async npm(args: string[]) {
    const result = await runProcess('npm', args, { signal: AbortSignal.timeout(300_000) })
    if (result.spawnCode === 'ENOENT') {
      throw new CaigedError('npm is not installed: caiged fetches OpenCode from the npm registry with it.', {
        hint: 'Install Node.js with npm, or set OPENCODE_VERSION and keep the package in caiged’s cache.',
      })
    }
    return result
  }
}
