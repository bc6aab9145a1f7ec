// The OpenCode versions the e2e tests run, in one place: plain JavaScript so that bench/run.mjs
// (run by node itself) can import it too. Types: opencode-versions.d.mts.
//
// Pinned, not the registry's latest: a new OpenCode release must not change what a green run
// tested (and a 2.x would fail every test, as caiged speaks 1.x only). Move them here, or for one
// run with the environment variables below.

/**
 * The host's OpenCode client (npm opencode-ai), and so what caiged bakes into images when nothing
 * else is asked. 1.18.33: what the last green runs used (it was the registry's latest then).
 */
const CURRENT = '1.18.33'

/**
 * An older 1.x that npm has for both linux/amd64 and linux/arm64 (opencode-linux-arm64 stops at
 * 1.18.18): the multi-arch bake's version, and the one `upgrade` moves a container from.
 */
const OLDER = '1.18.18'

/** The value of `variable` when set, else `pinned`; either must be an exact version. */
function pin(variable, pinned) {
  const version = process.env[variable]?.trim() || pinned
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
    throw new Error(`${variable}=${version}: an exact OpenCode version is needed, such as ${pinned}.`)
  }
  return version
}

export const opencodeVersions = {
  /** CAIGED_E2E_OPENCODE_VERSION moves it. */
  current: pin('CAIGED_E2E_OPENCODE_VERSION', CURRENT),
  /** CAIGED_E2E_OPENCODE_OLDER_VERSION moves it; it must differ from current. */
  older: pin('CAIGED_E2E_OPENCODE_OLDER_VERSION', OLDER),
}

if (opencodeVersions.older === opencodeVersions.current) {
  throw new Error(
    `The older OpenCode version (${opencodeVersions.older}) must differ from the current one: ` +
      'the upgrade tests move a container from one to the other.',
  )
}
