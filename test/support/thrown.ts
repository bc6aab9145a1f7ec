import { CaigedError } from '../../src/errors.js'

/** The CaigedError a call throws (anything else is rethrown; nothing thrown fails the test). */
export function thrown(fn: () => unknown): CaigedError {
  try {
    fn()
  } catch (error) {
    if (error instanceof CaigedError) return error
    throw error
  }
  throw new Error('expected a CaigedError, nothing was thrown')
}

/** The CaigedError an async call rejects with (anything else is rethrown; none fails the test). */
export async function rejected(fn: () => Promise<unknown>): Promise<CaigedError> {
  try {
    await fn()
  } catch (error) {
    if (error instanceof CaigedError) return error
    throw error
  }
  throw new Error('expected a CaigedError, nothing was thrown')
}
