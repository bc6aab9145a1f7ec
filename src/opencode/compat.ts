import parse from 'semver/functions/parse.js'
import { CaigedError, ExitCode } from '../errors.js'

/**
 * Client and server must speak the same API: a different major version is an error (OpenCode 2
 * changed the server contract), a different minor a warning. Returns the warning, if any.
 */
export function checkClientServerVersions(
  client: string,
  server: string,
  container: string,
): string | undefined {
  const c = parse(client)
  const s = parse(server)
  if (!c || !s || (c.major === s.major && c.minor === s.minor)) return undefined
  const fix = `OPENCODE_VERSION=${client} caiged run ... --rebuild-images --recreate (or install OpenCode ${server} on this machine)`
  if (c.major !== s.major) {
    throw new CaigedError(
      `OpenCode ${client} on this machine cannot attach to the ${server} server in ${container}.`,
      {
        exitCode: ExitCode.Usage,
        hint: `Align them: ${fix}.`,
      },
    )
  }
  return `OpenCode ${client} here, ${server} in ${container}: if keys misbehave in the TUI, align them: ${fix}.`
}
