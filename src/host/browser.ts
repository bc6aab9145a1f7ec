import { runProcess } from '../process/spawn.js'

/**
 * Opens a URL in the user's browser: `open` on macOS, `xdg-open` elsewhere. False when there is
 * no opener (a server without a desktop): the caller prints the link instead.
 */
export async function openInBrowser(
  url: string,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  const opener = platform === 'darwin' ? 'open' : 'xdg-open'
  const result = await runProcess(opener, [url])
  return result.exitCode === 0 && result.spawnCode === undefined
}
