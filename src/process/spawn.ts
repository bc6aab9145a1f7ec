import { spawn, spawnSync } from 'node:child_process'

export interface SpawnResult {
  stdout: string
  stderr: string
  /** The exit code; 128 + signal number when the child was killed by a signal. */
  exitCode: number
  /** The spawn error's code (ENOENT: no such program) when it could not start at all. */
  spawnCode?: string
}

export interface SpawnOptions {
  /** Added to this process's environment (never replacing it). */
  env?: Record<string, string>
  input?: string
  /** A stream for stdin (a tar of a project), piped as it comes. */
  inputStream?: NodeJS.ReadableStream
  inheritStdio?: boolean
  cwd?: string
  onLine?: (line: string) => void
  signal?: AbortSignal
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/**
 * Starts a read-only process before the code that needs it has loaded (the hot path of `run`
 * starts its container inspect while the flows load), or once `after` has settled. `result` has
 * the outcome as soon as it is there; `handedOver` has it once `handOverAfter` has settled too:
 * what the caller keeps for the flow (src/prefetched.ts), which asks for it by what it is.
 */
export function startAhead(
  program: string,
  args: readonly string[],
  timing: { after?: Promise<unknown>; handOverAfter?: Promise<unknown> } = {},
): { result: Promise<SpawnResult>; handedOver: Promise<SpawnResult> } {
  const spawnIt = () => spawnProcess(program, args, {})
  const { after, handOverAfter } = timing
  const result = after ? after.then(spawnIt, spawnIt) : spawnIt()
  const handedOver = handOverAfter
    ? result.then((r) =>
        handOverAfter.then(
          () => r,
          () => r,
        ),
      )
    : result
  return { result, handedOver }
}

/**
 * The one process spawner (docker, npm, git, the OpenCode client), captured or attached to the
 * terminal. node:child_process rather than execa on purpose: this runs on every command's hot path,
 * and importing execa costs more than the whole warm `run` may (measured and written down in
 * CONTRIBUTING.md's Architecture section).
 */
export function runProcess(
  program: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<SpawnResult> {
  return spawnProcess(program, args, options)
}

function spawnProcess(program: string, args: readonly string[], options: SpawnOptions): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      cwd: options.cwd,
      signal: options.signal,
      stdio: options.inheritStdio
        ? 'inherit'
        : [options.input === undefined && !options.inputStream ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let spawnCode: string | undefined
    if (!options.inheritStdio) {
      child.stdout?.setEncoding('utf8')
      child.stderr?.setEncoding('utf8')
      // Lines split here rather than by node:readline, which every command would pay to load.
      const lines = options.onLine && lineSplitter(options.onLine)
      const outLines = lines?.()
      const errLines = lines?.()
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk
        outLines?.push(chunk)
      })
      child.stderr?.on('data', (chunk: string) => {
        stderr += chunk
        errLines?.push(chunk)
      })
      child.stdout?.on('end', () => outLines?.end())
      child.stderr?.on('end', () => errLines?.end())
      if (options.input !== undefined) child.stdin?.end(options.input)
      // A reader that stops early (tar failed) must not make the writer throw EPIPE.
      child.stdin?.on('error', () => undefined)
      if (options.inputStream && child.stdin) options.inputStream.pipe(child.stdin)
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnCode = error.code
    })
    child.on('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + (SIGNALS[signal] ?? 0) : 1)
      resolve({ stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, ''), exitCode, spawnCode })
    })
  })
}

/** Per stream, whole lines to onLine as chunks arrive ("\r\n" or "\n"), the unfinished last one at its end. */
function lineSplitter(onLine: (line: string) => void): () => { push(chunk: string): void; end(): void } {
  return () => {
    let pending = ''
    return {
      push(chunk) {
        const parts = (pending + chunk).split(/\r?\n/)
        pending = parts.pop() ?? ''
        for (const line of parts) onLine(line)
      },
      end() {
        if (pending !== '') onLine(pending)
        pending = ''
      },
    }
  }
}

/**
 * A process whose stdout is read as a stream (a tar of a project, piped into docker as it comes):
 * `input` goes to its stdin; `done` has its exit code and stderr once it ends.
 */
export function streamFrom(
  program: string,
  args: readonly string[],
  input: string,
): { stdout: NodeJS.ReadableStream; done: Promise<{ exitCode: number; stderr: string }> } {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.on('error', () => undefined)
  child.stdin.end(input)
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve) => {
    child.on('error', () => resolve({ exitCode: 127, stderr: `${program} could not be started` }))
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stderr }))
  })
  return { stdout: child.stdout, done }
}

/** A process that runs beside caiged until stopped (an ssh port forward): stopped by its PID. */
export interface Background {
  readonly pid: number | undefined
  /** Settles with its exit code and the end of its stderr once it ends. */
  readonly exited: Promise<{ exitCode: number; stderr: string }>
  stop(): void
}

export function startBackground(program: string, args: readonly string[]): Background {
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  const exited = new Promise<{ exitCode: number; stderr: string }>((resolve) => {
    child.on('error', () => resolve({ exitCode: 127, stderr: `${program} could not be started` }))
    child.on('close', (code, signal) =>
      resolve({ exitCode: code ?? (signal ? 128 + (SIGNALS[signal] ?? 0) : 1), stderr: stderr.trim() }),
    )
  })
  // It never keeps caiged running (unref'd, its pipe too), and never outlives it: stopped when this
  // process exits, however it exits.
  child.unref()
  ;(child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.()
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
  process.once('exit', stop)
  void exited.then(() => process.removeListener('exit', stop))
  return { pid: child.pid, exited, stop }
}

/**
 * Runs a short command when this process exits, however it exits (an ssh forward cancelled):
 * synchronously, as an 'exit' handler must. Returns the function that drops it unrun.
 */
export function runAtExit(program: string, args: readonly string[]): () => void {
  const run = () => {
    spawnSync(program, args, { stdio: 'ignore', timeout: 5000 })
  }
  process.once('exit', run)
  return () => process.removeListener('exit', run)
}
