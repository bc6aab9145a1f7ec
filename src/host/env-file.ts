import { promises as fs } from 'node:fs'
import { usageError } from '../errors.js'

/**
 * --secret-env-file, read by caiged rather than by docker: given `--env-file`, docker reads the file
 * itself and writes every value into the container's config (`docker inspect` shows them), where
 * the gateway cannot keep a provider's key outside. Read here, its entries go in like --secret-env's:
 * `-e NAME`, the value (or the gateway's placeholder) in the docker process's environment only.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const UTF8_BOM = '\uFEFF'
/** Go's unicode.IsSpace, which docker trims a line's start with (JS's \s also holds the BOM). */
const LEADING_SPACE = /^\p{White_Space}+/u

/**
 * The entries of an env file, by docker's own rules (docker/cli opts/file.go parseKeyValueFile),
 * so a file means here what it meant to `docker run --env-file`: a BOM at the start is dropped,
 * each line's leading whitespace too; blank lines and `#` lines are skipped; NAME=value splits at
 * the first "=" and the value is kept raw (quotes and trailing spaces are part of it); a bare NAME
 * takes its value from `env`, and is left out when unset there. A later line wins. Names must be
 * env variable names, which docker does not check. Errors name the line, never its text: it may
 * be a secret.
 */
export function parseEnvFile(
  text: string,
  env: NodeJS.ProcessEnv,
  source = 'the env file',
): Record<string, string> {
  // A Map, then own properties: a name such as __proto__ stays a name.
  const entries = new Map<string, string>()
  // Lines as Go's bufio.ScanLines splits them: at "\n", with one "\r" before it dropped.
  const lines = (text.startsWith(UTF8_BOM) ? text.slice(1) : text).split('\n')
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').replace(LEADING_SPACE, '')
    if (line === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    const name = eq < 0 ? line : line.slice(0, eq)
    checkName(name, index + 1, source)
    const value = eq >= 0 ? line.slice(eq + 1) : Object.hasOwn(env, name) ? env[name] : undefined
    if (value !== undefined) entries.set(name, value)
  })
  return Object.fromEntries(entries)
}

function checkName(name: string, line: number, source: string): void {
  const hint =
    'Write NAME=value, one a line, as docker --env-file reads it (the value is taken as it stands).'
  if (name === '') throw usageError(`The "=" on line ${line} of ${source} has no name before it.`, hint)
  if (/[ \t]/.test(name)) throw usageError(`The name on line ${line} of ${source} holds whitespace.`, hint)
  if (!ENV_NAME.test(name)) {
    throw usageError(
      `The name on line ${line} of ${source} is not an env variable name.`,
      'Names look like JFROG_TOKEN: letters, digits and "_", not starting with a digit.',
    )
  }
}

/** A (checked, readable) env file's entries; like docker, only UTF-8 text is taken. */
export async function readEnvFile(file: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  let text: string
  try {
    // ignoreBOM keeps the BOM in the text, for parseEnvFile to drop as docker does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await fs.readFile(file))
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    throw usageError(
      `The secret env file ${file} is not UTF-8 text.`,
      'Save it as UTF-8, as docker reads it.',
    )
  }
  return parseEnvFile(text, env, `the secret env file ${file}`)
}
