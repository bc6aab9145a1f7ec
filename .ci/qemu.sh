#!/usr/bin/env bash
# QEMU user emulation, so BuildKit and `docker run --platform linux/arm64` run arm64 code here.
# Idempotent: mounts binfmt_misc (the kernel has it; a fresh machine has it unmounted) and installs
# Debian's statically linked emulators with the F (fix-binary) flag, which works inside containers.
set -euo pipefail
log() { echo "qemu: $*" >&2; }
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if ! dpkg-query -W -f='${Status}' qemu-user-static 2>/dev/null | grep -q 'install ok installed' \
  || ! dpkg-query -W -f='${Status}' binfmt-support 2>/dev/null | grep -q 'install ok installed'; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static binfmt-support >/dev/null
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 || update-binfmts --enable qemu-aarch64
log "linux/arm64 runs through $(awk '/^interpreter/{print $2}' /proc/sys/fs/binfmt_misc/qemu-aarch64)"
