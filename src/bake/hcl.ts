/**
 * An HCL string literal: quotes, backslashes and template sequences escaped, so any path is safe.
 * (Function replacements: in a replacement string "$$" would mean one "$".)
 */
export function hclString(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replaceAll('${', () => '$${')
    .replaceAll('%{', () => '%%{')
  return `"${escaped}"`
}

/** An HCL object of string values, one attribute per line, keys quoted (label keys hold dots). */
export function hclMap(entries: Record<string, string>, indent: string): string {
  const keys = Object.keys(entries).sort()
  if (keys.length === 0) return '{}'
  const width = Math.max(...keys.map((k) => hclString(k).length))
  const lines = keys.map(
    (k) => `${indent}  ${hclString(k).padEnd(width)} = ${hclString(entries[k] as string)}`,
  )
  return `{\n${lines.join('\n')}\n${indent}}`
}
