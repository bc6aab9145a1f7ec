import { execa } from 'execa'
import { CaigedError } from '../errors.js'
import { classifyDockerFailure, lastLine } from './errors.js'

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
  /** Inherit the terminal (shell, logs -f); the result's stdout/stderr are then empty. */
  inheritStdio?: boolean
  signal?: AbortSignal
  /** Working directory (bake resolves relative contexts against it). */
  cwd?: string
  /** Called with each line docker prints on stdout or stderr (build progress). */
  onLine?: (line: string) => void
}

/**
 * The one place that spawns `docker`. It passes the caller's environment through untouched, so
 * DOCKER_HOST, DOCKER_CONTEXT and DOCKER_CONFIG select the engine exactly as they do for `docker`
 * itself. Failures every command can meet (no docker, engine down, socket permission) become
 * CaigedErrors here; the others come back as results for the caller to explain.
 */
export class DockerCli {
  constructor(private readonly binary: string = 'docker') {}

  /** Runs docker and returns its result whatever the exit code, except for engine-level failures. */
  async exec(args: readonly string[], options: DockerExecOptions = {}): Promise<DockerResult> {
    const subprocess = execa(this.binary, args, {
      reject: false,
      env: options.env,
      extendEnv: true,
      stdin: options.inheritStdio ? 'inherit' : options.input === undefined ? 'ignore' : 'pipe',
      input: options.input,
      stdout: options.inheritStdio ? 'inherit' : 'pipe',
      stderr: options.inheritStdio ? 'inherit' : 'pipe',
      cancelSignal: options.signal,
      cwd: options.cwd,
      all: options.onLine !== undefined,
    })
    if (options.onLine) {
      for await (const line of subprocess.iterable({ from: 'all' })) options.onLine(String(line))
    }
    const result = await subprocess
    const stderr = typeof result.stderr === 'string' ? result.stderr : ''
    const stdout = typeof result.stdout === 'string' ? result.stdout : ''
    if (result.failed) {
      const classified = classifyDockerFailure({
        args,
        stderr,
        exitCode: result.exitCode,
        spawnCode: (result as { code?: string }).code,
      })
      if (classified) throw classified
    }
    return { stdout, stderr, exitCode: result.exitCode ?? 1 }
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
