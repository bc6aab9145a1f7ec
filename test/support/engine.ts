import { execFileSync } from 'node:child_process'
import { describe } from 'vitest'

/**
 * Gates the tests that need a real Docker engine. With CAIGED_E2E=1 a missing engine is a failure,
 * loudly; without it those tests are reported as skipped, with the reason.
 */
export const e2eRequired = process.env.CAIGED_E2E === '1'

function probeEngine(): string | undefined {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 15_000 })
    return undefined
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    return stderr || (error as Error).message
  }
}

export const engineProblem = probeEngine()

if (engineProblem !== undefined && e2eRequired) {
  throw new Error(`CAIGED_E2E=1 but no Docker engine answers: ${engineProblem}`)
}
if (engineProblem !== undefined) {
  console.warn(
    `[caiged] e2e tests SKIPPED: no Docker engine (${engineProblem}). Set CAIGED_E2E=1 to require one.`,
  )
}

/** `describe` for tests that need the engine: skipped, with the reason above, when there is none. */
export const describeEngine = describe.skipIf(engineProblem !== undefined)

/** The local base image the tests build from (see .ci/base-image.sh); never pulled. */
export const testBaseImage = process.env.CAIGED_TEST_BASE_IMAGE ?? 'local/debian:bookworm'

/** What debian:bookworm-slim is, made locally (.ci/base-image.sh slim): the base users build on. */
export const testSlimBaseImage = process.env.CAIGED_TEST_SLIM_BASE_IMAGE ?? `${testBaseImage}-slim`
