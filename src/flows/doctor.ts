import { promises as fs } from 'node:fs'
import path from 'node:path'
import coerce from 'semver/functions/coerce.js'
import { imagePrefix } from '../containers/naming.js'
import type { Deps } from '../deps.js'
import type { Engine } from '../docker/engine.js'
import type { Docker } from '../docker/index.js'
import { fail, ok, usesContainerdStore, versionCheck, warn, type Check } from '../doctor/checks.js'
import { CaigedError } from '../errors.js'
import { dialectFor, unsupportedClientError } from '../opencode/dialect.js'
import { Label, MANAGED_FILTER } from '../labels.js'
import { readSalt } from '../secrets/salt.js'
import { gatewayImage } from '../egress/image.js'
import { formatMiB } from '../docker/memory.js'

/** `caiged doctor`: every check, in order; none throws (a failure is a check that says so). */
export async function runChecks(d: Deps): Promise<Check[]> {
  const checks: Check[] = []
  const docker = d.docker
  const host = await d.hostOpencode.version()
  const unsupported = host !== undefined && !dialectFor(host) ? unsupportedClientError(host) : undefined
  checks.push(
    unsupported
      ? fail('opencode', unsupported.sentence, unsupported.hint ?? '')
      : host
        ? ok('opencode', `host client ${host}`)
        : warn(
            'opencode',
            'no `opencode` on PATH: run and connect cannot attach',
            'npm i -g opencode-ai (or see https://opencode.ai), or use run --no-connect',
          ),
  )

  const engineUp = await checkEngine(docker, checks, d.engine)
  if (engineUp) await checkImagesAndContainers(docker, host, imagePrefix(d.env), checks)
  await checkSalt(d.paths.saltFile, checks)
  try {
    await d.config()
    checks.push(ok('config', `${d.paths.configFile} is valid (or absent)`))
  } catch (error) {
    checks.push(fail('config', describe(error).message, describe(error).hint ?? 'fix or delete the file'))
  }
  return checks
}

/** An error's sentence and hint, whatever threw it. */
function describe(error: unknown): { message: string; hint: string | undefined } {
  if (error instanceof CaigedError) return { message: error.sentence, hint: error.hint }
  return { message: error instanceof Error ? error.message : String(error), hint: undefined }
}

/** The oldest engine whose BuildKit builds caiged's images (bake's named contexts). */
const MIN_ENGINE_MAJOR = 23

async function checkEngine(docker: Docker, checks: Check[], engine: Engine): Promise<boolean> {
  try {
    const version = await docker.system.version()
    const line = `client ${version.Client.Version}, engine ${version.Server.Version} (API ${version.Server.ApiVersion})`
    // bake's named contexts need the BuildKit of Docker 23 or newer (20.10's refuses them).
    const engineMajor = coerce(version.Server.Version)?.major ?? 0
    checks.push(
      engineMajor >= MIN_ENGINE_MAJOR
        ? ok('docker', line)
        : fail(
            'docker',
            `${line}: caiged's image builds need Docker ${MIN_ENGINE_MAJOR} or newer on the engine`,
            `upgrade Docker on ${engine.label}, or pull published images (--registry) instead of building there`,
          ),
    )
    const here = await engine.onThisMachine()
    checks.push(
      ok(
        'engine',
        here
          ? `${engine.label}, on this machine`
          : `${engine.label} (${engine.endpoint.host}), another machine: agents get a copy of the project; their server is forwarded over ssh`,
      ),
    )
  } catch (error) {
    const e = describe(error)
    checks.push(fail('docker', e.message, e.hint ?? 'check `docker version`'))
    return false
  }
  try {
    checks.push(ok('buildx', `buildx ${await docker.buildx.version()}`))
  } catch (error) {
    const e = describe(error)
    checks.push(fail('buildx', e.message, e.hint ?? 'install docker buildx'))
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

async function checkImagesAndContainers(
  docker: Docker,
  host: string | undefined,
  prefix: string,
  checks: Check[],
): Promise<void> {
  const images = await docker.images.listByLabel(`${Label.role}=spin`)
  if (images.length === 0) checks.push(ok('images', 'no spin images yet (caiged build --all makes them)'))
  for (const image of images) {
    const name = image.RepoTags[0] ?? image.Id.slice(7, 19)
    const spin = image.Config.Labels[Label.spin] ?? '?'
    checks.push(
      versionCheck(
        'image',
        name,
        image.Config.Labels[Label.opencodeVersion],
        host,
        `caiged build ${spin} (builds with the host's OpenCode)`,
      ),
    )
  }
  const containers = await docker.containers.list({ all: true, labels: MANAGED_FILTER })
  const agents = containers.filter((c) => c.labelMap[Label.role] !== 'egress')
  if (agents.length === 0) checks.push(ok('containers', 'no caiged containers'))
  for (const c of agents) {
    const spin = c.labelMap[Label.spin] ?? '?'
    const fix = `caiged upgrade ${c.Names} (recreates it with its settings, sessions kept)`
    // docker shows an image id instead of the tag once the tag moved to a newer build; a
    // container from a published image runs that image's own reference.
    const published = c.labelMap[Label.imageSource] === 'registry' && !/^[0-9a-f]{12,}$/.test(c.Image)
    if (!published && c.Image !== `${prefix}:${spin}`) {
      checks.push(warn('container', `${c.Names} runs an older image (${c.Image.slice(0, 19)})`, fix))
    } else {
      checks.push(versionCheck('container', c.Names, c.labelMap[Label.opencodeVersion], host, fix))
    }
  }
  const agentNames = new Set(agents.map((c) => c.Names))
  for (const g of containers.filter((c) => c.labelMap[Label.role] === 'egress')) {
    checks.push(gatewayCheck(g.Names, g.labelMap[Label.container], g.Image, agentNames, prefix))
  }
  const running = containers.filter((c) => c.State === 'running')
  if (running.length)
    checks.push(memoryCheck(running, await docker.containers.memoryUsage(running.map((c) => c.Names))))
}

/** What the running agents and their gateways hold: what idle stop gives back. */
export function memoryCheck(
  running: { Names: string; labelMap: Record<string, string> }[],
  usage: Map<string, number>,
): Check {
  const sum = (gateways: boolean) =>
    running
      .filter((c) => (c.labelMap[Label.role] === 'egress') === gateways)
      .reduce((total, c) => total + (usage.get(c.Names) ?? 0), 0)
  const agents = running.filter((c) => c.labelMap[Label.role] !== 'egress').length
  return ok(
    'memory',
    `${agents} running agent${agents === 1 ? '' : 's'} hold ${formatMiB(sum(false))}, their gateways ${formatMiB(sum(true))}; ` +
      'an agent nobody uses stops itself after its idle stop (idle.stopAfter) and gives it back',
  )
}

/**
 * A gateway is judged as a gateway: it belongs to an agent that still exists, and runs the
 * gateway image (published or local); its fix names the agent it comes and goes with.
 */
export function gatewayCheck(
  name: string,
  agent: string | undefined,
  image: string,
  agents: Set<string>,
  prefix: string,
): Check {
  if (!agent || !agents.has(agent)) {
    return warn(
      'gateway',
      `${name} is the egress gateway of ${agent ?? 'an agent'}, which is gone`,
      `docker rm -f ${name} (nothing else uses it)`,
    )
  }
  // A tag moved on to a newer build shows as an image id; a published gateway runs its own reference.
  if (/^(sha256:)?[0-9a-f]{12,}$/.test(image) && image !== gatewayImage(prefix)) {
    return warn(
      'gateway',
      `${name}, the egress gateway of ${agent}, runs an older gateway image`,
      `caiged upgrade ${agent} (makes its gateway anew, sessions kept)`,
    )
  }
  return ok('gateway', `${name} guards ${agent}`)
}

async function checkSalt(file: string, checks: Check[]): Promise<void> {
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
    const e = describe(error)
    checks.push(fail('salt', e.message, e.hint ?? 'restore or delete the salt file'))
  }
}
