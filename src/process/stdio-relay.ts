import { spawn } from 'node:child_process'
import net from 'node:net'

/**
 * A port on this machine's 127.0.0.1 whose every connection is one process's stdin and stdout
 * (`docker exec -i … socat - TCP:…` for an engine reached over tcp, where docker has no port
 * forward of its own). Neither the listener, its connections nor their processes keep caiged
 * running; all end with it.
 */
export function startStdioRelay(
  port: number,
  command: () => Promise<{ program: string; args: string[] }>,
): Promise<{ port: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.unref()
      socket.pause()
      void command().then(
        ({ program, args }) => {
          const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'ignore'] })
          child.unref()
          for (const stream of [child.stdin, child.stdout] as (NodeJS.EventEmitter & {
            unref?: () => void
          })[])
            stream.unref?.()
          child.stdin.on('error', () => undefined)
          socket.on('error', () => undefined)
          socket.pipe(child.stdin)
          child.stdout.pipe(socket)
          socket.resume()
          // Closed here: its end reaches the process as the end of its input (docker does not stop
          // an exec'd process when its client goes), then the client goes too.
          socket.once('close', () => {
            child.stdin.end()
            setTimeout(() => child.kill(), 2000).unref()
          })
          child.once('close', () => socket.destroy())
          process.once('exit', () => child.kill())
        },
        () => socket.destroy(),
      )
    })
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port }, () => {
      server.unref()
      const address = server.address()
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => server.close(),
      })
    })
  })
}
