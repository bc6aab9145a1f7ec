import { z } from 'zod/v3'
import { parsedBy } from '../parsed-by.js'
import { EGRESS_MODES } from './presets.js'
import { parseHostRule } from './rules.js'

/** A list of egress rules ("host", "*.domain", "10.0.0.5", each with an optional ":port"). */
export const HostRules = z.array(parsedBy(parseHostRule))

/** Egress: the preset, rules added to it, and the network gateways go out through. */
export const EgressConfigSchema = z.strictObject({
  mode: z.enum(EGRESS_MODES).optional(),
  allow: HostRules.optional(),
  deny: HostRules.optional(),
  network: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, 'must be a Docker network name')
    .optional(),
  /**
   * A PEM file of CAs that upstream servers may be signed by besides the system's (a corporate or
   * test server with a private CA), for the hosts whose credentials the gateway injects.
   */
  upstreamCA: z.string().min(1).optional(),
})
export type EgressConfig = z.infer<typeof EgressConfigSchema>
