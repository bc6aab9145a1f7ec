import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod/v3'
import { lazySchema } from '../lazy-schema.js'
import { CaigedError, ExitCode } from '../errors.js'
import { readTextIfExists } from '../host/local-files.js'

/**
 * What `caiged egress allow|deny` added for one agent, kept on the host (where the agent cannot
 * change it) so that it survives a recreate; and which policy its gateway runs now.
 */
export interface EgressEdits {
  allow: string[]
  deny: string[]
  /** The --allow-host/--deny-host of the latest run, part of the policy until a run gives others. */
  flags?: { allow: string[]; deny: string[] }
  /** The policy last loaded into a running gateway, by that gateway's id. */
  applied?: { gateway: string; hash: string }
}

const EditsSchema = lazySchema(() =>
  z.strictObject({
    allow: z.array(z.string()),
    deny: z.array(z.string()),
    flags: z.strictObject({ allow: z.array(z.string()), deny: z.array(z.string()) }).optional(),
    applied: z.strictObject({ gateway: z.string(), hash: z.string() }).optional(),
  }),
)

export const editsFile = (egressDir: string, agent: string): string => path.join(egressDir, `${agent}.json`)

export async function loadEdits(file: string): Promise<EgressEdits> {
  const text = readTextIfExists(file)
  if (text === undefined) return { allow: [], deny: [] }
  let parsed
  try {
    parsed = EditsSchema.safeParse(JSON.parse(text))
  } catch {
    parsed = undefined
  }
  if (!parsed?.success) {
    throw new CaigedError(`${file} is not a valid egress edits file.`, {
      exitCode: ExitCode.Config,
      hint: 'Remove it (the container keeps its preset and config rules), then add rules again with caiged egress allow/deny.',
    })
  }
  return parsed.data
}

/** Written atomically, readable by the user only. */
export async function saveEdits(file: string, edits: EgressEdits): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, JSON.stringify(edits, null, 2) + '\n', { mode: 0o600 })
  await fs.rename(tmp, file)
}
