/**
 * What running agents hold in memory, as `docker stats` samples it (idle stop frees it). Pure.
 */

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
}

/** The bytes of a size as docker prints one ("282.8MiB", "420KiB", "0B"); undefined if unreadable. */
export function parseDockerSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(text)
  const unit = match && UNITS[match[2] as string]
  return match && unit ? Math.round(Number(match[1]) * unit) : undefined
}

/** The used side of docker stats' MemUsage ("282.8MiB / 23.54GiB"). */
export const usedMemory = (memUsage: string): number | undefined =>
  parseDockerSize(memUsage.split('/')[0] ?? '')

/** Bytes as whole MiB, the unit docker and this project's figures use ("283 MiB"). */
export const formatMiB = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`
