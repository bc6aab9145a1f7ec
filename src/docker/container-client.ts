import type { DockerResult, DockerRunner } from './cli.js'
import { commandFailed } from './cli.js'
import { isNotFound } from './errors.js'
import { parseDockerJson } from './parse.js'
import { ContainerInspectSchema, PsEntrySchema, type ContainerInspect, type PsEntry } from './schemas.js'
import { inspectManyArgs } from './argv.js'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { usedMemory } from './memory.js'

/** One line of `docker stats --format '{{json .}}'`: what is read of it. */
const StatsLineSchema = lazySchema(() => z.object({ Name: z.string(), MemUsage: z.string() }))

export interface ListFilter {
  /** Label filters: `{ 'io.caiged.managed': 'true' }`; a null value matches any value of the key. */
  labels?: Record<string, string | null>
  /** Include stopped containers (`ps -a`). */
  all?: boolean
}

export interface ListedContainer extends PsEntry {
  /** Labels parsed from the ps line (see parsePsLabels for the one ambiguity). */
  labelMap: Record<string, string>
}

/** Containers: one small client per kind of Docker object, as testcontainers does. */
export class ContainerClient {
  constructor(private readonly cli: DockerRunner) {}

  /** The container, or undefined when none has that name or id (images of that name don't count). */
  async inspect(nameOrId: string): Promise<ContainerInspect | undefined> {
    const args = ['container', 'inspect', '--', nameOrId]
    const result = await this.cli.exec(args)
    if (result.exitCode !== 0) {
      if (isNotFound(result.stderr)) return undefined
      throw commandFailed(args, result)
    }
    const [container] = parseDockerJson(
      z.array(ContainerInspectSchema),
      result.stdout,
      'docker container inspect',
    )
    return container
  }

  /**
   * Several containers in one docker process (the warm path's one call); those missing are left out.
   */
  async inspectMany(names: string[]): Promise<ContainerInspect[]> {
    return this.inspectManyFrom(names, await this.cli.exec(inspectManyArgs(names)))
  }

  /** What `docker container inspect -- NAMES…` answered (here, or started ahead), read. */
  inspectManyFrom(names: string[], result: DockerResult): ContainerInspect[] {
    const args = inspectManyArgs(names)
    // docker prints the ones it found and exits 1 when any is missing.
    const missingOnly = result.stderr
      .split('\n')
      .filter((line) => line.trim() !== '')
      .every((line) => isNotFound(line))
    if (result.exitCode !== 0 && !missingOnly) throw commandFailed(args, result)
    if (result.stdout.trim() === '') return []
    return parseDockerJson(z.array(ContainerInspectSchema), result.stdout, 'docker container inspect')
  }

  /**
   * The memory each running container of these holds, by name, from one `docker stats` sample
   * (about a second and a half: asked for only where it is wanted). Stopped ones are left out.
   */
  async memoryUsage(names: string[]): Promise<Map<string, number>> {
    const usage = new Map<string, number>()
    if (names.length === 0) return usage
    const result = await this.cli.exec(['stats', '--no-stream', '--format', '{{json .}}', '--', ...names])
    for (const line of result.stdout.split('\n')) {
      if (line.trim() === '') continue
      const parsed = StatsLineSchema.safeParse(JSON.parse(line))
      const bytes = parsed.success ? usedMemory(parsed.data.MemUsage) : undefined
      if (parsed.success && bytes !== undefined) usage.set(parsed.data.Name, bytes)
    }
    return usage
  }

  /**
   * `docker create` with the given argv (after "create"). Secret values travel in `env`, never in
   * args. Returns the new container's id, or the failure for the caller to explain (name taken, ...).
   * Created and started apart, so a failed start is undone by id: by name it could hit a container
   * another process made meanwhile.
   */
  async create(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ id: string } | { failure: DockerResult }> {
    const result = await this.cli.exec(['create', ...args], { env })
    if (result.exitCode !== 0) return { failure: result }
    return { id: result.stdout.trim() }
  }

  async start(name: string): Promise<DockerResult> {
    return this.cli.exec(['start', '--', name])
  }

  /** Stops a container; false when there is none of that name or id any more. */
  async stop(name: string, timeoutSeconds = 10): Promise<boolean> {
    const args = ['stop', '--time', String(timeoutSeconds), '--', name]
    const result = await this.cli.exec(args)
    if (result.exitCode === 0) return true
    if (isNotFound(result.stderr)) return false
    throw commandFailed(args, result)
  }

  /**
   * Removes a container by id (never its named volumes); true when it was there. One already gone
   * (another command removed it) is not an error: the outcome is the same.
   */
  async removeIfPresent(id: string): Promise<boolean> {
    const args = ['rm', '--force', '--', id]
    const result = await this.cli.exec(args)
    if (result.exitCode === 0) return true
    // Another command is removing it right now: gone all the same.
    if (isNotFound(result.stderr) || /removal of container .* is already in progress/i.test(result.stderr))
      return false
    throw commandFailed(args, result)
  }

  /** Removes a container (never its named volumes: those hold the sessions). */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.cli.run(['rm', ...(options.force ? ['--force'] : []), '--', name])
  }

  /**
   * Extracts a tar stream into a container at / (`docker cp -a`: the tar's owners kept), before it
   * starts as well as after.
   */
  async copyArchiveIn(id: string, tar: NodeJS.ReadableStream): Promise<DockerResult> {
    return this.cli.exec(['cp', '-a', '-', `${id}:/`], { inputStream: tar })
  }

  /** Runs a command in a running container, with text on its stdin (never in argv). */
  async execWithInput(
    name: string,
    command: string[],
    input: string,
    env: Record<string, string> = {},
  ): Promise<DockerResult> {
    const envArgs = Object.keys(env).flatMap((k) => ['--env', k])
    return this.cli.exec(['exec', '-i', ...envArgs, name, ...command], { input, env })
  }

  /**
   * A throwaway container of an image that runs one program with no network and prints its result:
   * `docker run --rm --network none --entrypoint PROGRAM IMAGE ARGS…`.
   */
  async runOnce(image: string, program: string, args: string[] = []): Promise<DockerResult> {
    return this.cli.exec(['run', '--rm', '--network', 'none', '--entrypoint', program, image, ...args])
  }

  /** `docker exec` with the terminal attached (shell); returns the command's exit code. */
  async execInteractive(name: string, command: string[], tty: boolean): Promise<number> {
    const result = await this.cli.exec(['exec', '-i', ...(tty ? ['-t'] : []), name, ...command], {
      inheritStdio: true,
    })
    return result.exitCode
  }

  /** The last lines of the container's log, for errors. */
  async logsTail(name: string, lines = 20): Promise<string> {
    const result = await this.cli.exec(['logs', '--tail', String(lines), '--', name])
    return `${result.stdout}\n${result.stderr}`.trim()
  }

  /** What a container printed on stdout, all of it, or followed with each line (until interrupted). */
  async logLines(
    name: string,
    options: { follow?: boolean; onLine?: (line: string) => void; since?: string } = {},
  ): Promise<string> {
    const since = options.follow ? '0s' : options.since
    const args = [
      'logs',
      ...(options.follow ? ['--follow'] : []),
      ...(since ? ['--since', since] : []),
      '--',
      name,
    ]
    const result = await this.cli.exec(args, { onLine: options.onLine })
    if (result.exitCode !== 0) throw commandFailed(args, result)
    return result.stdout
  }

  /** `docker logs [-f]` to the terminal; returns docker's exit code. */
  async logsInteractive(name: string, follow: boolean): Promise<number> {
    const result = await this.cli.exec(['logs', ...(follow ? ['--follow'] : []), '--', name], {
      inheritStdio: true,
    })
    return result.exitCode
  }

  /** `docker ps --format json`, one process for any number of containers. */
  async list(filter: ListFilter = {}): Promise<ListedContainer[]> {
    const args = ['ps', '--no-trunc', '--format', 'json']
    if (filter.all) args.push('--all')
    for (const [key, value] of Object.entries(filter.labels ?? {})) {
      args.push('--filter', value === null ? `label=${key}` : `label=${key}=${value}`)
    }
    const stdout = await this.cli.run(args)
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const entry = parseDockerJson(PsEntrySchema, line, 'docker ps')
        return { ...entry, labelMap: parsePsLabels(entry.Labels) }
      })
  }
}

/**
 * `docker ps` prints labels as one "k=v,k2=v2" string. A comma starts a new label only when what
 * follows looks like a label key and "="; values with such a sequence inside can't be told apart,
 * so code that needs those exactly (paths) reads them from `container inspect`.
 */
export function parsePsLabels(joined: string): Record<string, string> {
  const labels: Record<string, string> = {}
  if (joined === '') return labels
  for (const pair of joined.split(/,(?=[A-Za-z0-9][A-Za-z0-9._/-]*=)/)) {
    const eq = pair.indexOf('=')
    if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1)
    else if (pair !== '') labels[pair] = ''
  }
  return labels
}

/** Docker's words when a container of that name exists already (another process made it first). */
export function isNameConflict(stderr: string): boolean {
  return /Conflict\. The container name .* is already in use/i.test(stderr)
}

/** Docker's words when a published port is taken; the caller then retries with another port. */
export function isPortConflict(stderr: string): boolean {
  return /port is already allocated|address already in use|bind: .*in use/i.test(stderr)
}
