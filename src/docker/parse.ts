import type { z } from 'zod/v3'
import { CaigedError } from '../errors.js'

/** Parses docker's JSON output with a schema; output caiged cannot read is one clear error. */
export function parseDockerJson<S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CaigedError(`${what} printed something that is not JSON: ${text.slice(0, 120)}`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : '(top level)'
    throw new CaigedError(
      `${what} printed JSON caiged cannot read (${where}: ${issue?.message ?? 'invalid'}).`,
      {
        hint: 'This Docker version may be unsupported; `caiged --version` and `docker version` help a bug report.',
      },
    )
  }
  return parsed.data
}
