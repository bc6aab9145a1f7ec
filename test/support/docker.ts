import { execFileSync } from 'node:child_process'

/** Plain docker calls for test setup and assertions (the code under test goes through src/docker). */
export function docker(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
    input: options.input,
  }).trim()
}

export function imageLabels(image: string): Record<string, string> {
  return JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])) as Record<
    string,
    string
  >
}

export function imageExists(image: string): boolean {
  try {
    docker(['image', 'inspect', image])
    return true
  } catch {
    return false
  }
}

/** Removes every image of a repository (test prefixes are unique per run). */
export function removeImages(repository: string): void {
  const ids = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repository])
    .split('\n')
    .filter(Boolean)
  if (ids.length) execFileSync('docker', ['image', 'rm', '-f', ...ids], { stdio: 'ignore' })
}
