/** What `run` prints once the server is ready: how to get back to it, and nothing secret by default. */
export function renderBanner(info: {
  name: string
  url: string
  project: string
  spin: string
  action: string
  password?: string
  /** The engine's name when it is on another machine: the server is forwarded here, not published. */
  elsewhere?: string
  /** A copy of the project: its changes come back by diff and apply. */
  copy?: boolean
}): string {
  const rule = '─'.repeat(64)
  const lines = [
    rule,
    `  ${info.action}`,
    rule,
    `  Container:  ${info.name}   (spin ${info.spin}, project ${info.project})`,
    info.elsewhere
      ? `  Server:     on ${info.elsewhere}'s 127.0.0.1; connect and web forward it here while they run`
      : `  Server:     ${info.url}   (127.0.0.1 only)`,
  ]
  if (info.password) lines.push(`  Password:   ${info.password}`)
  lines.push(
    '',
    `  Reconnect:  caiged connect ${info.name}`,
    `  Shell:      caiged containers shell ${info.name}`,
  )
  if (info.copy) lines.push(`  Changes:    caiged diff ${info.name}, then caiged apply ${info.name}`)
  if (info.elsewhere) lines.push(`  Browser:    caiged web ${info.name}`)
  else
    lines.push(
      `  Manual:     opencode attach ${info.url} --dir /workspace   (the password in OPENCODE_SERVER_PASSWORD${info.password ? '' : '; see --show-session-password'})`,
    )
  lines.push(rule)
  return lines.join('\n')
}
