import { OPENCODE_V1 } from './dialect.js'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { basicAuth } from './health.js'
import { httpGet } from './http.js'

const SessionSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    directory: z.string().optional(),
    time: z.object({ created: z.number().optional(), updated: z.number().optional() }).optional(),
  }),
)

/**
 * The most recently updated session of the server's project, through the server API (the
 * original listed files inside the container, which broke when OpenCode moved to SQLite).
 * `answered` says whether the server gave a list at all (none is an answer; no server is not).
 */
export async function lookUpLatestSession(
  baseUrl: string,
  password: string,
  directory: string,
): Promise<{ answered: boolean; id?: string }> {
  try {
    const response = await httpGet(
      new URL(OPENCODE_V1.sessionsPath(directory), baseUrl),
      { authorization: basicAuth(password) },
      5_000,
    )
    if (response.status !== 200) return { answered: false }
    const parsed = z.array(SessionSchema).safeParse(JSON.parse(response.body))
    if (!parsed.success) return { answered: false }
    const sessions = parsed.data.filter((s) => s.directory === undefined || s.directory === directory)
    sessions.sort(
      (a, b) => (b.time?.updated ?? b.time?.created ?? 0) - (a.time?.updated ?? a.time?.created ?? 0),
    )
    return { answered: true, id: sessions[0]?.id }
  } catch {
    return { answered: false }
  }
}

/** The latest session's id, or undefined when there is none or the server does not say. */
export async function latestSession(
  baseUrl: string,
  password: string,
  directory: string,
): Promise<string | undefined> {
  return (await lookUpLatestSession(baseUrl, password, directory)).id
}
