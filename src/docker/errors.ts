import { CaigedError, ExitCode } from '../errors.js'

/** What a failed `docker` process left behind, enough to say what went wrong. */
export interface DockerFailure {
  args: readonly string[]
  stderr: string
  exitCode: number | undefined
  /** The spawn error's code, e.g. ENOENT when there is no docker binary at all. */
  spawnCode: string | undefined
}

const ENGINE_HINT =
  'Start the Docker engine (e.g. `sudo systemctl start docker`, or open Docker Desktop), or point ' +
  'DOCKER_HOST or DOCKER_CONTEXT at a running one (`docker context ls` lists them).'

/**
 * Turns the failures every docker command can meet into one clear sentence and a hint. Returns
 * undefined for failures that only the caller can explain (a build error, a port conflict, ...).
 */
export function classifyDockerFailure(failure: DockerFailure): CaigedError | undefined {
  const { stderr } = failure
  if (failure.spawnCode === 'ENOENT') {
    return new CaigedError('Docker is not installed: there is no `docker` command on PATH.', {
      exitCode: ExitCode.Docker,
      hint: 'Install Docker Engine or Docker Desktop (https://docs.docker.com/engine/install/), then try again.',
    })
  }
  if (failure.spawnCode === 'EACCES') {
    return new CaigedError('The `docker` command on PATH cannot be executed (permission denied).', {
      exitCode: ExitCode.Docker,
      hint: 'Check the permissions of the docker binary (`ls -l "$(command -v docker)"`).',
    })
  }
  const denied =
    /permission denied while trying to connect to the docker (?:daemon|api) (?:socket )?at ([^\s:]+:\/\/[^\s:]+)/i.exec(
      stderr,
    )
  if (denied) {
    return new CaigedError(`Permission denied on the Docker socket ${denied[1]}.`, {
      exitCode: ExitCode.Docker,
      hint:
        'Add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again), ' +
        'or use rootless Docker and point DOCKER_HOST at its socket.',
    })
  }
  const unreachable =
    /Cannot connect to the Docker daemon at (\S+?)\.? Is the docker daemon running\?/i.exec(stderr) ??
    /error during connect: .*?dial (?:tcp|unix) (\S+?): /i.exec(stderr)
  if (unreachable || /Is the docker daemon running\?/i.test(stderr)) {
    const where = unreachable?.[1] ? ` at ${unreachable[1]}` : ''
    return new CaigedError(`The Docker engine${where} is not reachable.`, {
      exitCode: ExitCode.Docker,
      hint: ENGINE_HINT,
    })
  }
  const context = /context "([^"]+)"(?: does not exist| is not found|: context not found)/i.exec(stderr)
  if (context) {
    return new CaigedError(`The Docker context "${context[1]}" does not exist.`, {
      exitCode: ExitCode.Docker,
      hint: 'Check DOCKER_CONTEXT (or `docker context use`); `docker context ls` lists the contexts there are.',
    })
  }
  return undefined
}

/** "No such container: x", "No such image: x", "No such object: x". */
export function isNotFound(stderr: string): boolean {
  return /No such (?:container|image|object|volume|network)\b/i.test(stderr)
}
