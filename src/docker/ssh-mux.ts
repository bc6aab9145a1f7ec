import fs from 'node:fs'
import path from 'node:path'
import { findOnPath } from '../process/executables.js'

/**
 * How long an ssh engine's shared connection outlives its last use: the commands of one piece of
 * work (run, then diff, then apply) share one handshake; an unused one goes by itself.
 */
export const SSH_MUX_PERSIST_SECONDS = 300

/** unix sockets' path limit (104 on macOS, 108 on Linux), less the room ssh's %C and temp suffix take. */
const MAX_CONTROL_DIR = 104 - 41 - 18

/**
 * For an ssh:// engine: a folder with an `ssh` that runs the real one sharing one connection per
 * destination (OpenSSH's ControlMaster), first on the PATH docker is run with. docker starts
 * `ssh … docker system dial-stdio` for every command and has no option for ssh's own flags
 * (docker/cli#1463), so without it each docker command pays a whole handshake (~0.25 s measured
 * on loopback; more across a network). Returns the PATH to run docker with, or undefined to run it
 * as it is (no real ssh found, or a folder too deep for a socket path).
 */
export function sshMuxPath(env: NodeJS.ProcessEnv, dir: string): string | undefined {
  if (dir.length > MAX_CONTROL_DIR) return undefined
  const bin = path.join(dir, 'bin')
  // Already first (a caiged started by caiged, or a second call): as it is.
  if ((env.PATH ?? '').split(path.delimiter)[0] === bin) return env.PATH
  const realSsh = findOnPath('ssh', env.PATH ?? '', bin)
  if (!realSsh) return undefined
  const script = shimScript(realSsh, dir)
  const shim = path.join(bin, 'ssh')
  if (readOrUndefined(shim) !== script) {
    // 0700: the control sockets in it let whoever can reach them run commands on the engine's host.
    fs.mkdirSync(bin, { recursive: true, mode: 0o700 })
    fs.chmodSync(dir, 0o700)
    const temp = `${shim}.${process.pid}`
    fs.writeFileSync(temp, script, { mode: 0o755 })
    fs.renameSync(temp, shim)
  }
  return `${bin}${path.delimiter}${env.PATH ?? ''}`
}

/** The shim: the real ssh with a shared connection added (the user's own options still apply). */
export function shimScript(realSsh: string, dir: string): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  return [
    '#!/bin/sh',
    '# Written by caiged: docker commands to an ssh engine share one connection (see docs/remote.md).',
    `exec ${quote(realSsh)} -o ControlMaster=auto -o ${quote(`ControlPath=${dir}/%C`)} -o ControlPersist=${SSH_MUX_PERSIST_SECONDS} "$@"`,
    '',
  ].join('\n')
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
