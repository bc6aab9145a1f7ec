import fs from 'node:fs'
import path from 'node:path'
import tmp from 'tmp'
import type { ContainerClient } from '../docker/container-client.js'
import { CaigedError } from '../errors.js'
import { streamFrom } from '../process/spawn.js'
import { lastLine } from '../text.js'
import type { HostFileCopy } from './docker-run-args.js'

tmp.setGracefulCleanup()

/**
 * Copies files of this machine into a created container (an engine on another machine can't
 * bind them): staged at their container paths, then one tar owned by the agent's ids through
 * `docker cp`. Folders the container lacks above them are made by docker, owned by root.
 */
export async function copyHostFilesIn(
  containers: ContainerClient,
  id: string,
  copies: HostFileCopy[],
  owner: { uid: number; gid: number },
): Promise<void> {
  const stage = tmp.dirSync({ prefix: 'caiged-files-', unsafeCleanup: true })
  try {
    const entries: string[] = []
    for (const copy of copies) {
      const entry = path.posix.relative('/', copy.dst)
      const target = path.join(stage.name, entry)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.cpSync(copy.src, target, { recursive: true, dereference: true, preserveTimestamps: true })
      entries.push(entry)
    }
    const tar = streamFrom(
      'tar',
      [
        '-c',
        '-C',
        stage.name,
        '--numeric-owner',
        `--owner=${owner.uid}`,
        `--group=${owner.gid}`,
        '--',
        ...entries,
      ],
      '',
    )
    const [copied, packed] = await Promise.all([containers.copyArchiveIn(id, tar.stdout), tar.done])
    const failure = packed.exitCode !== 0 ? packed.stderr : copied.exitCode !== 0 ? copied.stderr : undefined
    if (failure !== undefined) {
      throw new CaigedError(`Could not copy this machine's files into the agent: ${lastLine(failure)}`)
    }
  } finally {
    stage.removeCallback()
  }
}
