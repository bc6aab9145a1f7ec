#!/usr/bin/env bash
# A second, real Docker engine beside the first (a stand-in for another machine's engine, reached
# through a docker context): the same unpacked packages as .ci/docker-engine.sh, with its own
# data-root, exec-root, socket and bridge, and docker's iptables management off so it never touches
# the first engine's chains. Builds on it need no network (the tests use a spin without packages).
#
# Usage: bash .ci/docker-engine-b.sh         start (or reuse) it on unix:///run/docker-b.sock
#        bash .ci/docker-engine-b.sh stop    stop what this script started, by PID; remove its bridge
set -euo pipefail

SOCK=/run/docker-b.sock
PIDFILE=/run/docker-b-ci.pid
CONF_DIR=/etc/docker-b-ci
LOG=/var/log/docker-b-ci.log
BRIDGE=br-caiged-b
log() { echo "docker-engine-b: $*" >&2; }
is_dockerd() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [[ "$(readlink "/proc/$1/exe" 2>/dev/null)" == */dockerd ]]; }

if [ "${1:-}" = stop ]; then
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if is_dockerd "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$PIDFILE"
  ip link del "$BRIDGE" 2>/dev/null || true
  exit 0
fi

if is_dockerd "$(cat "$PIDFILE" 2>/dev/null || true)" && DOCKER_HOST=unix://$SOCK docker info >/dev/null 2>&1; then
  log "already running (pid $(cat "$PIDFILE"))"
  exit 0
fi
root=""
for candidate in /opt/docker28 /opt/docker26; do [ -x "$candidate/usr/sbin/dockerd" ] && { root=$candidate; break; }; done
[ -n "$root" ] || { log "no unpacked engine under /opt: run .ci/docker-engine.sh first"; exit 1; }

if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip addr add 10.231.0.1/24 dev "$BRIDGE"
  ip link set "$BRIDGE" up
fi
mkdir -p "$CONF_DIR"
cat >"$CONF_DIR/daemon.json" <<JSON
{
  "data-root": "/var/lib/docker-b-ci",
  "exec-root": "/run/docker-b-ci",
  "pidfile": "/run/docker-b-ci.dockerd.pid",
  "hosts": ["unix://$SOCK"],
  "bridge": "$BRIDGE",
  "iptables": false,
  "ip6tables": false,
  "features": { "containerd-snapshotter": true },
  "init-path": "/usr/bin/tini-static"
}
JSON
# shellcheck disable=SC2016
pid=$(PATH="$root/usr/sbin:$root/usr/bin:$PATH" setsid -f sh -c \
  'echo $$; exec nohup dockerd --config-file "$1" >"$2" 2>&1 </dev/null' sh "$CONF_DIR/daemon.json" "$LOG")
for _ in $(seq 1 300); do
  DOCKER_HOST=unix://$SOCK docker info >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { log "dockerd died:"; tail -20 "$LOG" >&2; exit 1; }
  sleep 0.2
done
echo "$pid" >"$PIDFILE"
log "dockerd pid $pid on unix://$SOCK"
