/** What `run` prints once the server is ready: how to get back to it, and nothing secret by default. */
export function renderBanner(info: {
  name: string
  url: string
  project: string
  spin: string
  action: string
  password?: string
}): string {
  const rule = '─'.repeat(64)
  const lines = [
    rule,
    `  ${info.action}`,
    rule,
    `  Container:  ${info.name}   (spin ${info.spin}, project ${info.project})`,
    `  Server:     ${info.url}   (127.0.0.1 only)`,
  ]
  if (info.password) lines.push(`  Password:   ${info.password}`)
  lines.push(
    '',
    `  Reconnect:  caiged connect ${info.name}`,
    `  Shell:      caiged containers shell ${info.name}`,
    `  Manual:     opencode attach ${info.url} --dir /workspace   (the password in OPENCODE_SERVER_PASSWORD${info.password ? '' : '; see --show-session-password'})`,
    rule,
  )
  return lines.join('\n')
}
