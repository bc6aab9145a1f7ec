/** One line of `caiged doctor`: what was checked, how it stands, and the fix when it is not ok. */
export interface Check {
  name: string
  status: 'ok' | 'warn' | 'fail'
  detail: string
  fix?: string
}

export const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail })
export const warn = (name: string, detail: string, fix: string): Check => ({
  name,
  status: 'warn',
  detail,
  fix,
})
export const fail = (name: string, detail: string, fix: string): Check => ({
  name,
  status: 'fail',
  detail,
  fix,
})

/** Whether the engine keeps images in containerd's store (multi-platform loads, cache export). */
export function usesContainerdStore(driverStatus: string[][] | null | undefined): boolean {
  return (driverStatus ?? []).some(
    ([key, value]) => key === 'driver-type' && value === 'io.containerd.snapshotter.v1',
  )
}

/** Client vs image or container OpenCode versions: equal is ok, anything else a warning with the fix. */
export function versionCheck(
  name: string,
  what: string,
  have: string | undefined,
  host: string | undefined,
  fix: string,
): Check {
  if (!host) return ok(name, `${what}: OpenCode ${have ?? 'unknown'} (no host client to compare with)`)
  if (have === host) return ok(name, `${what}: OpenCode ${have}, same as the host client`)
  return warn(name, `${what}: OpenCode ${have ?? 'unknown'}, the host client is ${host}`, fix)
}

export function renderChecks(checks: Check[]): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' }
  return checks
    .map(
      (c) =>
        `${mark[c.status]}  ${c.name.padEnd(16)} ${c.detail}${c.fix ? `\n                        fix: ${c.fix}` : ''}`,
    )
    .join('\n')
}
