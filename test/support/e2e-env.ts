import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { RunData } from '../../src/cli/run.js'
import { derivePassword } from '../../src/secrets/password.js'
import { docker } from './docker.js'
import { testBaseImage } from './engine.js'
import { opencodeVersions } from './opencode-versions.mjs'

/** What `caiged run --json` prints. */
export type RunJson = RunData

/** Downloaded OpenCode packages, shared by every e2e file and run (npm verifies them; so does caiged). */
export const sharedCacheDir = path.join(os.tmpdir(), 'caiged-e2e-cache')

/**
 * The shared cache, copied for another user: its packages, without the ssh connections' sockets
 * (another user's, and no file to copy) that remote-engine tests leave in caiged/ssh/.
 */
export function copySharedCache(to: string): void {
  const skip = path.join(sharedCacheDir, 'caiged', 'ssh')
  fs.cpSync(sharedCacheDir, to, {
    recursive: true,
    filter: (src) => src !== skip && !fs.lstatSync(src).isSocket(),
  })
}

/**
 * The host's OpenCode client, from the npm package opencode-ai at the pinned version
 * (opencode-versions.mjs; what caiged bakes into images when the host has none): installed once
 * into a temp prefix.
 */
export function hostClientBinDir(): { binDir: string; version: string } {
  const version = opencodeVersions.current
  const prefix = path.join(os.tmpdir(), `caiged-e2e-opencode-${version}`)
  const binDir = path.join(prefix, 'node_modules', '.bin')
  if (!fs.existsSync(path.join(binDir, 'opencode'))) {
    fs.mkdirSync(prefix, { recursive: true })
    execFileSync(
      'npm',
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', `opencode-ai@${version}`],
      {
        stdio: 'ignore',
      },
    )
  }
  return { binDir, version }
}

/** An isolated caiged world: its own image prefix, config (salt), HOME and projects. */
export function e2eWorld(label: string) {
  const id = randomBytes(3).toString('hex')
  const prefix = `cg${label}${id}`
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `caiged-e2e-${label}-`))
  const home = path.join(root, 'home')
  fs.mkdirSync(home)
  const client = hostClientBinDir()
  const env: Record<string, string> = {
    IMAGE_PREFIX: prefix,
    CAIGED_BASE_IMAGE: testBaseImage,
    HOME: home,
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_CACHE_HOME: sharedCacheDir,
    PATH: `${client.binDir}:${process.env.PATH ?? ''}`,
    CI: '1',
  }
  return {
    prefix,
    root,
    env,
    clientVersion: client.version,
    /** The server password of this world's container `name`: derived from it and the world's salt. */
    password(name: string): string {
      const salt = fs.readFileSync(path.join(env.XDG_CONFIG_HOME as string, 'caiged', 'salt'), 'utf8')
      return derivePassword(name, salt.trim())
    },
    /** A project folder the image's agent user (uid 1000 when tests run as root) can write. */
    project(name: string): string {
      const dir = path.join(root, 'projects', name)
      fs.mkdirSync(dir, { recursive: true })
      if (process.getuid?.() === 0) fs.chownSync(dir, 1000, 1000)
      return dir
    },
    cleanup(): void {
      const names = docker(['ps', '-a', '--filter', `name=^${prefix}-`, '--format', '{{.Names}}'])
        .split('\n')
        .filter(Boolean)
      if (names.length) execFileSync('docker', ['rm', '-f', ...names], { stdio: 'ignore' })
      const volumes = docker(['volume', 'ls', '--filter', `name=^${prefix}-`, '--format', '{{.Name}}'])
        .split('\n')
        .filter(Boolean)
      if (volumes.length) execFileSync('docker', ['volume', 'rm', '-f', ...volumes], { stdio: 'ignore' })
      const networks = docker(['network', 'ls', '--filter', `name=^${prefix}-`, '--format', '{{.Name}}'])
        .split('\n')
        .filter(Boolean)
      if (networks.length) execFileSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore' })
      // Its own images: built as <prefix>:<tag> or <prefix>-<name>:<tag>, and pulled back from the
      // test registries as 127.0.0.1:500x/<prefix>/… (the prefix is this world's alone).
      const own = new RegExp(`^(127\\.0\\.0\\.1:500[01]/)?${prefix}[:/-]`)
      const images = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])
        .split('\n')
        .filter((image) => own.test(image))
      if (images.length) execFileSync('docker', ['image', 'rm', '-f', ...images], { stdio: 'ignore' })
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Every command line on this machine while fn runs, sampled every few milliseconds. */
export async function commandLinesDuring<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; commandLines: Set<string> }> {
  const seen = new Set<string>()
  let done = false
  const sample = async () => {
    while (!done) {
      for (const pid of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue
        try {
          const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          if (cmdline) seen.add(cmdline.replaceAll('\0', ' '))
        } catch {
          // the process ended between readdir and read
        }
      }
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  const sampler = sample()
  try {
    const result = await fn()
    return { result, commandLines: seen }
  } finally {
    done = true
    await sampler
  }
}
