import { BuildxClient } from './buildx-client.js'
import { DockerCli, type DockerRunner } from './cli.js'
import { ContainerClient } from './container-client.js'
import { ImageClient } from './image-client.js'
import { NetworkClient } from './network-client.js'
import { SystemClient } from './system-client.js'
import { VolumeClient } from './volume-client.js'

export { DockerCli, type DockerRunner, type DockerResult } from './cli.js'
export type { ContainerInspect, ImageInspect, DockerInfo, DockerVersion, PsEntry } from './schemas.js'

/** The docker adapter: one client per kind of Docker object over one `docker` CLI runner. */
export class Docker {
  readonly system: SystemClient
  readonly containers: ContainerClient
  readonly images: ImageClient
  readonly buildx: BuildxClient
  readonly volumes: VolumeClient
  readonly networks: NetworkClient

  constructor(readonly cli: DockerRunner = new DockerCli()) {
    this.system = new SystemClient(cli)
    this.containers = new ContainerClient(cli)
    this.images = new ImageClient(cli)
    this.buildx = new BuildxClient(cli)
    this.volumes = new VolumeClient(cli)
    this.networks = new NetworkClient(cli)
  }
}
