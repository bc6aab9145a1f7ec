#!/usr/bin/env bash
# Build the local Debian base image the tests use, with no registry: debootstrap -> docker import.
# git, ripgrep, openssh-client, netcat-openbsd and ca-certificates are included so that caiged's base
# stage needs no apt download. The list is a label of the image: an image made with another is remade.
# Reused when the image already exists (the engine's image store is the cache).
#
# Usage: bash .ci/base-image.sh           this machine's architecture: local/debian:bookworm
#        bash .ci/base-image.sh arm64     linux/arm64 through QEMU (.ci/qemu.sh): local/debian:bookworm-arm64
#        bash .ci/base-image.sh slim      what debian:bookworm-slim is (minbase, nothing added), the
#                                         base users build on: local/debian:bookworm-slim
set -euo pipefail
ARCH=${1:-}
IMAGE=${CAIGED_TEST_BASE_IMAGE:-local/debian:bookworm}
PACKAGES=ca-certificates,git,ripgrep,openssh-client,netcat-openbsd
if [ "$ARCH" = slim ]; then
  ARCH=""
  IMAGE="$IMAGE-slim"
  PACKAGES=none
elif [ -n "$ARCH" ]; then
  IMAGE="$IMAGE-$ARCH"
fi
if [ "$(docker image inspect --format '{{index .Config.Labels "io.caiged.ci-base-packages"}}' "$IMAGE" 2>/dev/null)" = "$PACKAGES" ]; then
  echo "base-image: $IMAGE already present" >&2
  exit 0
fi
MIRROR=$(awk '/^URIs:/{u=$2} /^Suites:/ && / bookworm( |$)/{print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed -E 's/\[[^]]*\] //' | awk '$3=="bookworm"{print $2; exit}')
[ -n "$MIRROR" ] || { echo "base-image: no bookworm mirror in apt sources" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
include=""
[ "$PACKAGES" = none ] || include="--include=$PACKAGES"
debootstrap ${ARCH:+--arch="$ARCH"} --variant=minbase $include bookworm "$rootfs" "$MIRROR" >/dev/null
# Slim it the way Debian's -slim images are: no docs (but copyrights), man pages or translations,
# now and for later installs, and no apt caches.
cp "$(dirname "$0")/../docker/caiged-slim.dpkg.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/caiged-slim"
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/*
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import ${ARCH:+--platform "linux/$ARCH"} -c 'CMD ["bash"]' -c "LABEL io.caiged.ci-base-packages=$PACKAGES" - "$IMAGE" >/dev/null
echo "base-image: built $IMAGE" >&2
