/** The last non-empty line of a program's output, without docker's "Error response from daemon:". */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  return (lines.at(-1) ?? '').replace(/^Error(?: response from daemon)?:\s*/i, '')
}
