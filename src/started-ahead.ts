/**
 * Read-only requests started before the code that needs them has loaded (the hot path's, see
 * cli/ahead.ts), kept by what they ask for: the first identical request takes one, once, with the
 * answer or the failure it would have got a moment later. One never taken is simply wasted.
 */
export class StartedAhead<T> {
  private readonly started = new Map<string, Promise<T>>()
  private closedNow = false

  /** Once closed (see close), nothing more is kept: callers check this before starting one. */
  get closed(): boolean {
    return this.closedNow
  }

  keep(key: string, request: Promise<T>): void {
    if (!this.closedNow) this.started.set(key, request)
  }

  take(key: string): Promise<T> | undefined {
    const request = this.started.get(key)
    this.started.delete(key)
    return request
  }

  /** Forgets every one kept, and keeps none after: what they asked of may have changed since. */
  close(): void {
    this.closedNow = true
    this.started.clear()
  }
}
