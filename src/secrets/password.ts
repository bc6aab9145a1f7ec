import { createHash } from 'node:crypto'

/** A salt as caiged writes it: 32 random bytes as 64 lower-case hex characters. */
export const SALT_PATTERN = /^[0-9a-f]{64}$/

/**
 * The server password of a container: hex(sha256(containerName + salt)), with no separator.
 * This is exactly the original's formula, so containers it made stay reachable.
 */
export function derivePassword(containerName: string, salt: string): string {
  return createHash('sha256')
    .update(containerName + salt)
    .digest('hex')
}

/** What is wrong with a salt file's content, or undefined when it is a valid salt. */
export function saltProblem(content: string): string | undefined {
  const salt = content.trim()
  if (salt === '') return 'it is empty'
  if (!SALT_PATTERN.test(salt))
    return `it holds ${salt.length} characters that are not 64 lower-case hex digits`
  return undefined
}
