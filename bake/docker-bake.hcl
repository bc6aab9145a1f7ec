# caiged's image definitions, for `docker buildx bake`. Runnable on its own from the package root:
#
#   OPENCODE_PKG_DIR=/path/with/linux-amd64.tgz+SHA512SUMS OPENCODE_VERSION=1.18.33 \
#     docker buildx bake -f bake/docker-bake.hcl base
#
# `caiged build` and `caiged bake` add a generated file with one target "spin-<name>" per spin
# (inheriting "_spin") and set these variables; relative paths resolve against the working
# directory, which caiged sets to the package root.

variable "OPENCODE_VERSION" {
  description = "Exact OpenCode version baked into the images (the host client's, so the TUI matches)."
  default     = ""
}
variable "OPENCODE_PKG_DIR" {
  description = "Folder holding linux-<arch>.tgz (npm's opencode-linux-<arch> package) and SHA512SUMS."
  default     = "opencode-pkg"
}
variable "BASE_IMAGE" {
  description = "A glibc Debian-like base image (the OpenCode binary needs glibc)."
  default     = "debian:bookworm-slim"
}
variable "IMAGE_PREFIX" {
  default = "caiged"
}
variable "REGISTRY" {
  description = "Registry and namespace to publish to, e.g. ghcr.io/me; empty for local images."
  default     = ""
}
variable "TAG" {
  description = "An extra tag for published images (e.g. latest)."
  default     = ""
}
variable "CAIGED_VERSION" {
  default = "dev"
}
variable "ASSETS_HASH" {
  description = "Hash of docker/ and this file: images built from other assets are stale."
  default     = ""
}
variable "AGENT_UID" {
  description = "uid of the non-root user in the image: the host user's, so files in the project stay theirs."
  default     = "1000"
}
variable "AGENT_GID" {
  default = "1000"
}
variable "PLATFORMS" {
  description = "Comma-separated platforms, e.g. linux/amd64,linux/arm64; empty for the builder's own."
  default     = ""
}
variable "EGRESS_HASH" {
  description = "Hash of the gateway's files (Dockerfile.egress, egress/): a gateway built from others is stale."
  default     = ""
}
variable "SOURCE_URL" {
  default = "https://github.com/caiged/caiged"
}

# Local images are <prefix>:<name>, as the original named them; published ones carry the OpenCode
# and caiged versions in their tags. image_tags_for serves caiged's version matrices.
function "image_tags_for" {
  params = [name, version]
  result = REGISTRY == "" ? ["${IMAGE_PREFIX}:${name}"] : concat(
    [
      "${REGISTRY}/${IMAGE_PREFIX}-${name}:oc${version}-caiged${CAIGED_VERSION}",
      "${REGISTRY}/${IMAGE_PREFIX}-${name}:oc${version}",
    ],
    TAG == "" ? [] : ["${REGISTRY}/${IMAGE_PREFIX}-${name}:${TAG}"]
  )
}
function "image_tags" {
  params = [name]
  result = image_tags_for(name, OPENCODE_VERSION)
}

target "_common" {
  context   = "docker"
  platforms = PLATFORMS == "" ? [] : split(",", PLATFORMS)
  args = {
    BASE_IMAGE       = BASE_IMAGE
    OPENCODE_VERSION = OPENCODE_VERSION
    AGENT_UID        = AGENT_UID
    AGENT_GID        = AGENT_GID
  }
  labels = {
    "io.caiged.opencode-version"       = OPENCODE_VERSION
    "io.caiged.version"                = CAIGED_VERSION
    "io.caiged.assets-hash"            = ASSETS_HASH
    "io.caiged.base-image"             = BASE_IMAGE
    "io.caiged.agent-uid"              = AGENT_UID
    "io.caiged.agent-gid"              = AGENT_GID
    "org.opencontainers.image.version" = CAIGED_VERSION
    "org.opencontainers.image.source"  = SOURCE_URL
    "org.opencontainers.image.licenses" = "MIT"
    "org.opencontainers.image.vendor"  = "caiged"
  }
  # No provenance attestation: it would give every (even fully cached) build a new image ID.
  attest = ["type=provenance,disabled=true"]
}

target "base" {
  inherits   = ["_common"]
  dockerfile = "Dockerfile"
  target     = "base"
  contexts   = { opencode-pkg = OPENCODE_PKG_DIR }
  tags       = image_tags("base")
  labels = {
    "io.caiged.role"                       = "base"
    "org.opencontainers.image.title"       = "caiged base"
    "org.opencontainers.image.description" = "OpenCode ${OPENCODE_VERSION} server for caiged, no spin"
  }
}

# A spin: its own layer on top of base. Generated targets set contexts.spin, args.SPIN and labels.
target "_spin" {
  inherits   = ["_common"]
  dockerfile = "Dockerfile.spin"
  contexts   = { base = "target:base" }
  labels = {
    "io.caiged.role" = "spin"
  }
}

# The egress gateway an agent with an egress policy goes out through (squid and socat from
# Debian's packages). It holds no OpenCode, so it carries caiged's version only.
target "egress" {
  context    = "docker"
  dockerfile = "Dockerfile.egress"
  platforms  = PLATFORMS == "" ? [] : split(",", PLATFORMS)
  args       = { BASE_IMAGE = BASE_IMAGE }
  tags = REGISTRY == "" ? ["${IMAGE_PREFIX}:egress"] : concat(
    ["${REGISTRY}/${IMAGE_PREFIX}-egress:caiged${CAIGED_VERSION}"],
    TAG == "" ? [] : ["${REGISTRY}/${IMAGE_PREFIX}-egress:${TAG}"]
  )
  labels = {
    "io.caiged.role"                       = "egress"
    "io.caiged.version"                    = CAIGED_VERSION
    "io.caiged.base-image"                 = BASE_IMAGE
    "io.caiged.egress-hash"                = EGRESS_HASH
    "org.opencontainers.image.version"     = CAIGED_VERSION
    "org.opencontainers.image.source"      = SOURCE_URL
    "org.opencontainers.image.licenses"    = "MIT"
    "org.opencontainers.image.vendor"      = "caiged"
    "org.opencontainers.image.title"       = "caiged egress gateway"
    "org.opencontainers.image.description" = "Squid and socat: the egress policy and port relay of a caiged agent"
  }
  attest = ["type=provenance,disabled=true"]
}

group "default" {
  targets = ["base"]
}
