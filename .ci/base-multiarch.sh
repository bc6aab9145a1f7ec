#!/usr/bin/env bash
# The multi-arch base image published images are baked from, with no Docker Hub: this machine's
# local/debian:bookworm and an arm64 one made the same way (debootstrap under QEMU), pushed to the
# open test registry as one OCI index, 127.0.0.1:5000/debian:bookworm. Needs .ci/registry.sh and
# .ci/qemu.sh first. Idempotent: an index that already has both platforms is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${CAIGED_TEST_MULTIARCH_BASE:-127.0.0.1:5000/debian:bookworm}
log() { echo "base-multiarch: $*" >&2; }
# Both platforms, each made with the package list .ci/base-image.sh makes today (its label).
PACKAGES=$(sed -n 's/^PACKAGES=//p' .ci/base-image.sh)
if [ "$(docker buildx imagetools inspect "$REF" --format '{{json .Image}}' 2>/dev/null | grep -c "\"io.caiged.ci-base-packages\": \"$PACKAGES\"")" = 2 ]; then
  log "$REF already has linux/amd64 and linux/arm64"
  exit 0
fi
bash .ci/base-image.sh
bash .ci/base-image.sh arm64
docker tag local/debian:bookworm "$REF-amd64"
docker tag local/debian:bookworm-arm64 "$REF-arm64"
docker push -q "$REF-amd64" >/dev/null
docker push -q "$REF-arm64" >/dev/null
docker buildx imagetools create -t "$REF" "$REF-amd64" "$REF-arm64" >/dev/null
log "pushed $REF (linux/amd64 + linux/arm64)"
