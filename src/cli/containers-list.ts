import type { Deps } from '../deps.js'
import { listContainers, type ListedRow } from '../flows/containers.js'
import { formatMiB } from '../docker/memory.js'
import { renderTable } from '../ui/table.js'

/** The preset, and when the agent runs without its gateway, that it has no way out until `run`. */
function egressCell(r: ListedRow): string {
  const inside = r.signInsInside.length ? ` (holds ${r.signInsInside.join(', ')} sign-ins)` : ''
  if (r.gateway === 'none' || r.gateway === 'running' || r.state !== 'running') return `${r.egress}${inside}`
  return `${r.egress} (gateway ${r.gateway === 'missing' ? 'gone' : 'down'}: no egress; caiged run restores it)${inside}`
}

/** What a running agent holds ("283 MiB + 13 MiB gateway"); "-" when stopped. */
function memoryCell(r: ListedRow): string {
  if (!r.memory) return '-'
  const gateway = r.memory.gateway === undefined ? '' : ` + ${formatMiB(r.memory.gateway)} gateway`
  return `${formatMiB(r.memory.agent)}${gateway}`
}

/** The body of `caiged containers list`: the rows (--json prints them) and the table. */
export async function executeContainersList(
  flags: { 'show-session-password': boolean; memory?: boolean; 'all-contexts'?: boolean },
  ctx: { deps: Deps },
): Promise<ListedRow[]> {
  const d = ctx.deps
  const asked = { passwords: flags['show-session-password'], memory: flags.memory }
  const rows = flags['all-contexts']
    ? await (await import('../flows/all-contexts.js')).listAllContexts(asked, d)
    : await listContainers(asked, d)
  // The engine is a column when it can differ between rows, or is not this machine's default.
  const showEngine = flags['all-contexts'] || rows.some((r) => r.engine !== 'default')
  if (rows.length === 0) {
    d.io.log('No caiged containers. Start one with: caiged run . --spin dev')
    return rows
  }
  const headers = [
    'NAME',
    ...(showEngine ? ['ENGINE'] : []),
    'SPIN',
    'PROJECT',
    'STATE',
    'PORT',
    'EGRESS',
    'IDLE STOP',
    'STATUS',
  ]
  if (flags.memory) headers.push('MEMORY')
  if (flags['show-session-password']) headers.push('PASSWORD')
  d.io.log(
    renderTable(
      headers,
      rows.map((r) => {
        const cells = [
          r.name,
          ...(showEngine ? [r.engine] : []),
          r.spin,
          r.project,
          r.idleStoppedFor ? `stopped (idle, ${r.idleStoppedFor} ago)` : r.state,
          [
            r.port ? `127.0.0.1:${r.port}` : '-',
            ...r.published.map((p) => `${p.container}→127.0.0.1:${p.host}`),
          ].join(', '),
          egressCell(r),
          r.idleStop === undefined ? '-' : r.idleStop === '0' ? 'never' : `after ${r.idleStop}`,
          r.status,
        ]
        if (flags.memory) cells.push(memoryCell(r))
        if (r.password) cells.push(r.password)
        return cells
      }),
    ),
  )
  return rows
}
