import { z } from 'zod/v3'

/**
 * A schema built the first time something is parsed with it, not when its module loads. zod v3
 * builds each schema eagerly, binding some 25 methods apiece, and the hot commands load modules
 * whose schemas only slower paths parse: on a warm `run` that was 500 schemas, most never used
 * (see bench/). Parsing and the inferred type are those of the schema `build` returns.
 */
export function lazySchema<T extends z.ZodTypeAny>(build: () => T): z.ZodLazy<T> {
  let built: T | undefined
  return z.lazy(() => (built ??= build()))
}
