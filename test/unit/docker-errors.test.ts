import { describe, expect, it } from 'vitest'
import { classifyDockerFailure, isNotFound } from '../../src/docker/errors.js'
import { lastLine } from '../../src/text.js'
import { parsePsLabels } from '../../src/docker/container-client.js'
import { ExitCode } from '../../src/errors.js'

const failure = (stderr: string, spawnCode?: string) => ({
  args: ['ps'],
  stderr,
  exitCode: 1,
  spawnCode,
})

describe('classifyDockerFailure', () => {
  it('says docker is not installed when there is no binary', () => {
    const error = classifyDockerFailure(failure('', 'ENOENT'))
    expect(error?.message).toBe('Docker is not installed: there is no `docker` command on PATH.')
    expect(error?.exitCode).toBe(ExitCode.Docker)
    expect(error?.hint).toContain('Install Docker')
  })

  it('names the unreachable engine and how to point at another', () => {
    const error = classifyDockerFailure(
      failure(
        'Cannot connect to the Docker daemon at unix:///tmp/nothing.sock. Is the docker daemon running?',
      ),
    )
    expect(error?.message).toBe('The Docker engine at unix:///tmp/nothing.sock is not reachable.')
    expect(error?.hint).toContain('DOCKER_HOST')
  })

  it('maps a tcp engine that refuses connections', () => {
    const error = classifyDockerFailure(
      failure(
        'error during connect: Get "http://127.0.0.1:2375/v1.50/containers/json": dial tcp 127.0.0.1:2375: connect: connection refused',
      ),
    )
    expect(error?.message).toBe('The Docker engine at 127.0.0.1:2375 is not reachable.')
  })

  it('says permission denied on the socket, with the docker group hint', () => {
    const error = classifyDockerFailure(
      failure(
        'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
          'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/containers/json": dial unix /var/run/docker.sock: connect: permission denied',
      ),
    )
    expect(error?.message).toBe('Permission denied on the Docker socket unix:///var/run/docker.sock.')
    expect(error?.hint).toContain('usermod -aG docker')
  })

  it('names a DOCKER_CONTEXT that does not exist', () => {
    const error = classifyDockerFailure(failure('context "nope" does not exist'))
    expect(error?.message).toBe('The Docker context "nope" does not exist.')
  })

  it('leaves other failures to the caller', () => {
    expect(classifyDockerFailure(failure('Error response from daemon: No such container: x'))).toBeUndefined()
    expect(classifyDockerFailure(failure('port is already allocated'))).toBeUndefined()
  })
})

describe('isNotFound / lastLine', () => {
  it('recognises docker’s not-found messages', () => {
    expect(isNotFound('Error response from daemon: No such container: nope')).toBe(true)
    expect(isNotFound('Error response from daemon: No such image: nope:x')).toBe(true)
    expect(isNotFound('Error: No such object: nope')).toBe(true)
    expect(isNotFound('conflict: unable to remove')).toBe(false)
  })
  it('keeps the last meaningful line without docker’s prefix', () => {
    expect(lastLine('warning\nError response from daemon: boom\n\n')).toBe('boom')
  })
})

describe('parsePsLabels', () => {
  it('splits docker ps label strings', () => {
    expect(parsePsLabels('')).toEqual({})
    expect(parsePsLabels('io.caiged.managed=true,io.caiged.spin=dev,opencode.port=4096')).toEqual({
      'io.caiged.managed': 'true',
      'io.caiged.spin': 'dev',
      'opencode.port': '4096',
    })
  })
  it('keeps commas and equals signs inside values when no key follows', () => {
    expect(parsePsLabels('a=x,y z,b=1=2')).toEqual({ a: 'x,y z', b: '1=2' })
  })
})
