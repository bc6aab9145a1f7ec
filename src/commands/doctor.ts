import fs from 'node:fs/promises'
import path from 'node:path'
import { Labels } from '../bake/plan.js'
import { BaseCommand } from '../base-command.js'
import { configFile, loadUserConfig } from '../config/store.js'
import { Label, MANAGED_FILTER } from '../containers/labels.js'
import { imagePrefix } from '../containers/naming.js'
import { Docker } from '../docker/index.js'
import {
  fail,
  ok,
  renderChecks,
  usesContainerdStore,
  versionCheck,
  warn,
  type Check,
} from '../doctor/checks.js'
import { CaigedError } from '../errors.js'
import { hostOpencodeVersion } from '../opencode/host-client.js'
import { saltFile } from '../paths.js'
import { readSalt } from '../state/salt.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check that everything caiged needs works, and say how to fix what does not.'
  static override description =
    'Checks the docker CLI and engine, buildx, the image store (multi-platform, cache export), the host ' +
    'OpenCode client and whether every image and container matches its version, the salt file, the ' +
    'config file, and containers running an outdated image. Exits non-zero when a check fails.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<{ checks: Check[]; healthy: boolean }> {
    const checks: Check[] = []
    const docker = new Docker()
    const host = await hostOpencodeVersion()
    checks.push(
      host
        ? ok('opencode', `host client ${host}`)
        : warn(
            'opencode',
            'no `opencode` on PATH: run and connect cannot attach',
            'npm i -g opencode-ai (or see https://opencode.ai), or use run --no-connect',
          ),
    )

    const engineUp = await this.checkEngine(docker, checks)
    if (engineUp) await this.checkImagesAndContainers(docker, host, checks)
    await this.checkSalt(checks)
    try {
      await loadUserConfig()
      checks.push(ok('config', `${configFile()} is valid (or absent)`))
    } catch (error) {
      checks.push(
        fail('config', (error as Error).message, (error as CaigedError).hint ?? 'fix or delete the file'),
      )
    }

    const healthy = !checks.some((c) => c.status === 'fail')
    this.log(renderChecks(checks))
    if (!healthy) process.exitCode = 1
    return { checks, healthy }
  }

  private async checkEngine(docker: Docker, checks: Check[]): Promise<boolean> {
    try {
      const version = await docker.system.version()
      checks.push(
        ok(
          'docker',
          `client ${version.Client.Version}, engine ${version.Server.Version} (API ${version.Server.ApiVersion})`,
        ),
      )
    } catch (error) {
      const e = error as CaigedError
      checks.push(fail('docker', e.message, e.hint ?? 'check `docker version`'))
      return false
    }
    try {
      checks.push(ok('buildx', `buildx ${await docker.buildx.version()}`))
    } catch (error) {
      checks.push(
        fail(
          'buildx',
          (error as CaigedError).message,
          (error as CaigedError).hint ?? 'install docker buildx',
        ),
      )
    }
    const info = await docker.system.info()
    checks.push(
      usesContainerdStore(info.DriverStatus)
        ? ok(
            'image store',
            'containerd image store: multi-platform images and cache export work with the default builder',
          )
        : warn(
            'image store',
            `classic image store (${info.Driver ?? 'unknown driver'}): multi-platform images and cache export need another builder`,
            'turn on the containerd image store ("features": {"containerd-snapshotter": true}) or `docker buildx create --use`',
          ),
    )
    return true
  }

  private async checkImagesAndContainers(
    docker: Docker,
    host: string | undefined,
    checks: Check[],
  ): Promise<void> {
    const images = await docker.images.listByLabel(`${Labels.role}=spin`)
    if (images.length === 0) checks.push(ok('images', 'no spin images yet (caiged build --all makes them)'))
    for (const image of images) {
      const name = image.RepoTags[0] ?? image.Id.slice(7, 19)
      const spin = image.Config.Labels[Labels.spin] ?? '?'
      checks.push(
        versionCheck(
          'image',
          name,
          image.Config.Labels[Labels.opencodeVersion],
          host,
          `caiged build ${spin} (builds with the host's OpenCode)`,
        ),
      )
    }
    const prefix = imagePrefix()
    const containers = await docker.containers.list({ all: true, labels: MANAGED_FILTER })
    if (containers.length === 0) checks.push(ok('containers', 'no caiged containers'))
    for (const c of containers) {
      const spin = c.labelMap[Label.spin] ?? '?'
      const fix = `caiged run ${JSON.stringify(c.labelMap[Label.workdir] ?? '.')} --spin ${spin} (recreates it, sessions kept)`
      // docker shows an image id instead of the tag once the tag moved to a newer build.
      if (c.Image !== `${prefix}:${spin}`) {
        checks.push(warn('container', `${c.Names} runs an older image (${c.Image.slice(0, 19)})`, fix))
      } else {
        checks.push(versionCheck('container', c.Names, c.labelMap[Label.opencodeVersion], host, fix))
      }
    }
  }

  private async checkSalt(checks: Check[]): Promise<void> {
    const file = saltFile()
    try {
      const salt = await readSalt(file)
      if (salt === undefined) {
        checks.push(ok('salt', `${file} does not exist yet; the first caiged run creates it`))
        return
      }
      const fileMode = (await fs.stat(file)).mode & 0o777
      const dirMode = (await fs.stat(path.dirname(file))).mode & 0o777
      if (fileMode & 0o077 || dirMode & 0o077) {
        checks.push(
          warn(
            'salt',
            `${file} is readable by others (file ${fileMode.toString(8)}, folder ${dirMode.toString(8)}): it derives every password`,
            `chmod 600 ${file}; chmod 700 ${path.dirname(file)}`,
          ),
        )
      } else checks.push(ok('salt', `${file} is valid and private`))
    } catch (error) {
      const e = error as CaigedError
      checks.push(fail('salt', e.message, e.hint ?? 'restore or delete the salt file'))
    }
  }
}
