import { createHash } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import path from 'node:path'
import { CaigedError, ExitCode } from '../errors.js'
import type { PackageRegistry } from './npm-registry.js'
import { integrityToSha512Hex, opencodePackageFor } from './version.js'

/**
 * OpenCode binaries for the image builds, cached per version on the host:
 * <cache>/opencode/<version>/linux-<arch>.tgz plus a SHA512SUMS file that the Dockerfile checks
 * again inside the build. The folder is the build's "opencode-pkg" context, so builds need no network.
 */
export class OpencodePackageCache {
  constructor(
    private readonly root: string,
    private readonly registry: PackageRegistry,
    private readonly hasAvx2: boolean,
  ) {}

  dirFor(version: string): string {
    return path.join(this.root, 'opencode', version)
  }

  /** Makes sure the folder for version holds a verified package for each docker arch; returns it. */
  async ensure(version: string, dockerArchs: string[]): Promise<string> {
    const dir = this.dirFor(version)
    await fs.mkdir(dir, { recursive: true })
    const sums = await readSums(dir)
    for (const arch of dockerArchs) {
      const file = `linux-${arch}.tgz`
      const recorded = sums.get(file)
      if (recorded && (await this.stillVerified(dir, file, recorded))) continue
      sums.set(file, await this.download(version, arch, dir, file))
    }
    const text = [...sums].map(([file, sum]) => `${sum}  ${file}\n`).join('')
    await fs.writeFile(path.join(dir, 'SHA512SUMS.tmp'), text)
    await fs.rename(path.join(dir, 'SHA512SUMS.tmp'), path.join(dir, 'SHA512SUMS'))
    return dir
  }

  /**
   * Whether a cached package still has its recorded sha512. Hashing 60 MB costs ~150 ms per build,
   * so a file whose size and mtime are those it had when last hashed is taken as unchanged (the
   * build checks the sha512 again whenever its layer is not cached).
   */
  private async stillVerified(dir: string, file: string, sha512: string): Promise<boolean> {
    const stat = await fs.stat(path.join(dir, file)).catch(() => undefined)
    if (!stat) return false
    const stampFile = path.join(dir, `.${file}.verified`)
    const stamp = `${stat.size}:${stat.mtimeMs}:${sha512}`
    if ((await fs.readFile(stampFile, 'utf8').catch(() => '')) === stamp) return true
    if ((await sha512Hex(path.join(dir, file)).catch(() => '')) !== sha512) return false
    await fs.writeFile(stampFile, stamp)
    return true
  }

  private async download(version: string, arch: string, dir: string, file: string): Promise<string> {
    const pkg = opencodePackageFor(arch, this.hasAvx2)
    const integrity = await this.registry.integrity(pkg, version)
    if (!integrity) {
      throw new CaigedError(
        `OpenCode ${version} has no ${pkg} package for linux/${arch} on the npm registry.`,
        {
          exitCode: ExitCode.NotFound,
          hint: `Choose a version that has one (npm view ${pkg} versions) with --opencode-version or OPENCODE_VERSION.`,
        },
      )
    }
    const want = integrityToSha512Hex(integrity)
    const staging = await fs.mkdtemp(path.join(dir, '.download-'))
    try {
      const packed = await this.registry.pack(pkg, version, staging)
      const have = await sha512Hex(packed)
      if (have !== want) {
        throw new CaigedError(
          `${pkg}@${version} does not match the registry's integrity: refusing to build with it.`,
        )
      }
      await fs.rename(packed, path.join(dir, file))
      return want
    } finally {
      await fs.rm(staging, { recursive: true, force: true })
    }
  }
}

async function readSums(dir: string): Promise<Map<string, string>> {
  const text = await fs.readFile(path.join(dir, 'SHA512SUMS'), 'utf8').catch(() => '')
  const sums = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{128}) {2}(linux-[a-z0-9]+\.tgz)$/.exec(line)
    if (match) sums.set(match[2] as string, match[1] as string)
  }
  return sums
}

export function sha512Hex(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha512')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/** Whether this x86-64 CPU has AVX2 (the regular OpenCode build needs it); true elsewhere. */
export async function hostHasAvx2(): Promise<boolean> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return true
  const cpuinfo = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  return cpuinfo === '' || /\bavx2\b/.test(cpuinfo)
}
