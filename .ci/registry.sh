#!/usr/bin/env bash
# Two real OCI registries on 127.0.0.1 for the tests (Debian's docker-registry: CNCF distribution),
# started idempotently and stopped by PID:
#   127.0.0.1:5000  open              (published images, registry cache, the multi-arch base)
#   127.0.0.1:5001  htpasswd auth     (the docker login path); user caiged, password in $DIR/auth.pass
# dockerd treats 127.0.0.0/8 registries as plain-HTTP ones, so no daemon.json change is needed.
#
# Usage: bash .ci/registry.sh          start (or reuse) both
#        bash .ci/registry.sh stop     stop what this script started
set -euo pipefail

DIR=${CAIGED_CI_REGISTRY_DIR:-/var/lib/caiged-ci/registry}
log() { echo "registry: $*" >&2; }

is_registry() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [[ "$(readlink "/proc/$1/exe" 2>/dev/null)" == */docker-registry ]]; }

stop_one() {
  local pid; pid=$(cat "$DIR/$1.pid" 2>/dev/null || true)
  if is_registry "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  rm -f "$DIR/$1.pid"
}
if [ "${1:-}" = stop ]; then stop_one open; stop_one auth; exit 0; fi

if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null || ! command -v curl >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils curl >/dev/null
fi
mkdir -p "$DIR/open" "$DIR/auth"

start_one() { # name port [auth yaml]
  local name=$1 port=$2 auth=${3:-}
  if is_registry "$(cat "$DIR/$name.pid" 2>/dev/null || true)"; then log "$name already running on 127.0.0.1:$port"; return; fi
  cat >"$DIR/$name.yml" <<YAML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $DIR/$name }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
$auth
YAML
  # Its own session, so it outlives this script; its PID is the registry's own (exec).
  setsid sh -c "echo \$\$ > '$DIR/$name.pid'; exec docker-registry serve '$DIR/$name.yml' >>'$DIR/$name.log' 2>&1" &
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then log "$name on 127.0.0.1:$port (pid $(cat "$DIR/$name.pid"))"; return; fi
    sleep 0.1
  done
  log "$name did not answer on 127.0.0.1:$port; its log:"; tail -5 "$DIR/$name.log" >&2; exit 1
}

start_one open 5000
if [ ! -s "$DIR/auth.pass" ]; then
  umask 077
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/auth.pass"
  # bcrypt, as distribution requires; the password goes through stdin, never argv.
  htpasswd -iBc "$DIR/htpasswd" caiged <"$DIR/auth.pass" 2>/dev/null
fi
start_one auth 5001 "auth:
  htpasswd: { realm: caiged-ci, path: $DIR/htpasswd }"
