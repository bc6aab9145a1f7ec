import type { HttpResponse } from './opencode/http-get.js'
import type { SpawnResult } from './process/spawn.js'

/**
 * What the hot path started before the flows had loaded (src/cli/ahead.ts), kept by what it is:
 * the inspect of an agent and its gateway, that agent's health check, the host's git identity for a
 * folder. The flow that needs one asks for it by the same meaning (a name, a URL and password, a
 * folder) through Deps, and takes it once; one never taken is simply wasted, so only what changes
 * nothing is started ahead. Discarded when the container is about to change: what was asked of it
 * may no longer hold.
 */
export class Prefetched {
  private readonly lookups = new Map<string, Promise<SpawnResult>>()
  private readonly healthChecks = new Map<string, Promise<HttpResponse>>()
  private readonly gitFacts = new Map<string, Promise<SpawnResult>>()
  private discardedNow = false

  /** Once discarded nothing more is kept: the hot path checks this before it starts one. */
  get discarded(): boolean {
    return this.discardedNow
  }

  /** `docker container inspect` of the agent `name` and its gateway. */
  keepLookup(name: string, result: Promise<SpawnResult>): void {
    if (!this.discardedNow) this.lookups.set(name, result)
  }

  takeLookup(name: string): Promise<SpawnResult> | undefined {
    return take(this.lookups, name)
  }

  /** The health GET of the server at `url` with this password. */
  keepHealth(url: string, password: string, response: Promise<HttpResponse>): void {
    if (!this.discardedNow) this.healthChecks.set(healthKey(url, password), response)
  }

  takeHealth(url: string, password: string): Promise<HttpResponse> | undefined {
    return take(this.healthChecks, healthKey(url, password))
  }

  /** The host git's user.name/user.email and origin in this folder. */
  keepGitFacts(workdir: string, result: Promise<SpawnResult>): void {
    if (!this.discardedNow) this.gitFacts.set(workdir, result)
  }

  takeGitFacts(workdir: string): Promise<SpawnResult> | undefined {
    return take(this.gitFacts, workdir)
  }

  /**
   * Forgets the lookups and health checks kept, and keeps none after: the container is being
   * started, created or replaced, so they asked of one that is going. The git identity stands.
   */
  discard(): void {
    this.discardedNow = true
    this.lookups.clear()
    this.healthChecks.clear()
  }
}

const healthKey = (url: string, password: string) => `${url}\n${password}`

function take<T>(kept: Map<string, Promise<T>>, key: string): Promise<T> | undefined {
  const value = kept.get(key)
  kept.delete(key)
  return value
}
