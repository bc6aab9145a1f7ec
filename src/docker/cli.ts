import { runProcess } from '../process/spawn.js'
import { CaigedError } from '../errors.js'
import { lastLine } from '../text.js'
import { classifyDockerFailure } from './errors.js'

export interface DockerResult {
  stdout: string
  stderr: string
  exitCode: number
}

export interface DockerExecOptions {
  /**
   * Values for `-e NAME` / `--env NAME` arguments. They reach docker through its environment only,
   * so no secret ever appears in an argv (`ps`, shell history, audit logs).
   */
  env?: Record<string, string>
  /** Text for docker's stdin; otherwise stdin is closed, so no docker command can wait on a prompt. */
  input?: string
  /** A stream for docker's stdin (a tar of a project into a container). */
  inputStream?: NodeJS.ReadableStream
  /** Inherit the terminal (shell, logs -f); the result's stdout/stderr are then empty. */
  inheritStdio?: boolean
  signal?: AbortSignal
  /** Working directory (bake resolves relative contexts against it). */
  cwd?: string
  /** Called with each line docker prints on stdout or stderr (build progress). */
  onLine?: (line: string) => void
}

/** What the per-object clients need of docker: an interface, so tests can hand in a fake. */
export interface DockerRunner {
  /** Runs docker and returns its result whatever the exit code, except for engine-level failures. */
  exec(args: readonly string[], options?: DockerExecOptions): Promise<DockerResult>
  /** Runs docker and returns stdout; any failure is an error naming the command and docker's words. */
  run(args: readonly string[], options?: DockerExecOptions): Promise<string>
}

/**
 * The one place that spawns `docker`. It passes the caller's environment through untouched, so
 * DOCKER_HOST, DOCKER_CONTEXT and DOCKER_CONFIG select the engine exactly as they do for `docker`
 * itself. Failures every command can meet (no docker, engine down, socket permission) become
 * CaigedErrors here; the others come back as results for the caller to explain.
 */
export class DockerCli implements DockerRunner {
  /** `engineEnv`: what selects another engine than this process's (DOCKER_CONTEXT of a listed context). */
  constructor(
    private readonly binary: string = 'docker',
    private readonly engineEnv: Record<string, string> = {},
  ) {}

  /** Runs docker and returns its result whatever the exit code, except for engine-level failures. */
  async exec(args: readonly string[], options: DockerExecOptions = {}): Promise<DockerResult> {
    const env = Object.keys(this.engineEnv).length ? { ...this.engineEnv, ...options.env } : options.env
    const result = await runProcess(this.binary, args, { ...options, env })
    if (result.exitCode !== 0 || result.spawnCode) {
      const classified = classifyDockerFailure({
        args,
        stderr: result.stderr,
        exitCode: result.exitCode,
        spawnCode: result.spawnCode,
      })
      if (classified) throw classified
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode }
  }

  /** Runs docker and returns stdout; any failure is an error naming the command and docker's words. */
  async run(args: readonly string[], options: DockerExecOptions = {}): Promise<string> {
    const result = await this.exec(args, options)
    if (result.exitCode !== 0) throw commandFailed(args, result)
    return result.stdout
  }
}

export function commandFailed(args: readonly string[], result: DockerResult): CaigedError {
  const said = lastLine(result.stderr) || `exit code ${result.exitCode}`
  return new CaigedError(
    `docker ${args[0] ?? ''}${args[1] && !args[1].startsWith('-') ? ` ${args[1]}` : ''} failed: ${said}`,
  )
}
