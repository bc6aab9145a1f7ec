import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { packageRoot } from '../paths.js'

/** The files every image is built from, besides spins. */
export const ASSET_FILES = [
  'docker/Dockerfile',
  'docker/Dockerfile.spin',
  'docker/Dockerfile.uid',
  'docker/caiged-health',
  'docker/caiged-start',
  'docker/caiged-idle',
  'docker/caiged-slim.dpkg.cfg',
  'bake/docker-bake.hcl',
]

/** Hash of the image assets: an image built from other assets is stale. */
export async function assetsHash(root: string = packageRoot): Promise<string> {
  const hash = createHash('sha256')
  // Read in place (host/local-files.ts says why): every run, the warm one too, computes this.
  for (const file of ASSET_FILES) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0')
  }
  return hash.digest('hex')
}

/**
 * The uid/gid of the image's agent user: the host user's, so files it writes in the project are
 * theirs. Root maps to 1000: the agent never runs as root.
 */
export function agentIds(uid: number, gid: number): { agentUid: number; agentGid: number } {
  return uid === 0 ? { agentUid: 1000, agentGid: 1000 } : { agentUid: uid, agentGid: gid }
}
