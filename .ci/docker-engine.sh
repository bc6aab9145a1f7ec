#!/usr/bin/env bash
# Start a real Docker engine (dockerd + containerd + buildx) on a Debian 12 machine with no
# systemd and no container registry, idempotently.
#
# Preferred toolchain: Debian forky's docker.io 28.5 / containerd 2.1 / docker-buildx 0.29 (what
# users run), unpacked under /opt/docker28 with dpkg -x so bookworm's libc and package database are
# untouched, run against bookworm's runc 1.1.5 and tini-static. If forky's packages can't be had or
# need a newer libc than this machine's, it falls back to trixie's 26.1 / 1.7 / buildx 0.13.
#
# Usage: bash .ci/docker-engine.sh          start (or reuse) the engine; its PID goes to $DOCKER_CI_PIDFILE
#        bash .ci/docker-engine.sh stop     stop the engine this script started, by its PID
set -euo pipefail

DOCKER_CI_PIDFILE=${DOCKER_CI_PIDFILE:-/run/docker-ci.pid}
DOCKER_CI_LOG=${DOCKER_CI_LOG:-/var/log/docker-ci-dockerd.log}
DOCKER_CI_CONF_DIR=${DOCKER_CI_CONF_DIR:-/etc/docker-ci}
# Pin with e.g. DOCKER_CI_PKGS="docker.io=28.5.2+dfsg4-5 containerd=2.1.9+ds1-5 docker-buildx=0.29.1+ds1-4"
DOCKER_CI_PKGS=${DOCKER_CI_PKGS:-docker.io containerd docker-buildx}

log() { echo "docker-engine: $*" >&2; }

recorded_pid() { cat "$DOCKER_CI_PIDFILE" 2>/dev/null || true; }
is_dockerd() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [[ "$(readlink "/proc/$1/exe" 2>/dev/null)" == */dockerd ]]; }

stop_engine() {
  local pid; pid=$(recorded_pid)
  if is_dockerd "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$DOCKER_CI_PIDFILE"
}

if [ "${1:-}" = stop ]; then stop_engine; exit 0; fi

# Already up (started by us)? Then there is nothing to do.
if is_dockerd "$(recorded_pid)" && docker info >/dev/null 2>&1; then
  log "dockerd already running (pid $(recorded_pid))"
  exit 0
fi
if is_dockerd "$(recorded_pid)"; then log "recorded dockerd does not answer; restarting it"; stop_engine; fi
other=$(cat /var/run/docker.pid 2>/dev/null || true)
if is_dockerd "$other"; then
  if docker info >/dev/null 2>&1; then log "using the dockerd already running (pid $other)"; exit 0; fi
  log "another dockerd (pid $other) owns /var/run/docker.pid but does not answer; stop it first"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The Debian mirror this machine is configured with (never hard-coded).
MIRROR=$(awk '/^URIs:/{u=$2} /^Suites:/ && / bookworm( |$)/{print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed -E 's/\[[^]]*\] //' | awk '$3=="bookworm"{print $2; exit}')
fi
[ -n "$MIRROR" ] || { log "no bookworm mirror found in apt sources"; exit 1; }

# 1. bookworm's runc (forky's needs glibc 2.38), tini-static (for --init), iptables (bridge + ports)
if [ "$(dpkg-query -W -f='${Status}\n' runc tini iptables debootstrap 2>/dev/null | grep -c '^install ok installed$')" != 4 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends runc tini iptables debootstrap >/dev/null
fi

want_cli=0
cli_major=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
[ "${cli_major%%.*}" -ge 25 ] 2>/dev/null || want_cli=1

# 2. fetch the engine's .debs from SUITE through a private apt configuration (system sources untouched)
#    and refuse any that needs a newer libc than the installed one. Prints the cache dir.
fetch_debs() {
  local suite=$1 dir=/var/cache/docker-ci-apt-$1 pkgs=$DOCKER_CI_PKGS libc need deb
  mkdir -p "$dir"/{lists/partial,archives/partial}
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $suite main" >"$dir/sources.list"
  local aptx=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir" -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts=/dev/null -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
  [ "$want_cli" = 1 ] && [ "$suite" != trixie ] && pkgs="$pkgs docker-cli"
  apt-get "${aptx[@]}" update -qq || return 1
  # shellcheck disable=SC2086
  (cd "$dir" && rm -f ./*.deb && apt-get "${aptx[@]}" download -qq $pkgs) || return 1
  libc=$(dpkg-query -W -f='${Version}' libc6)
  for deb in "$dir"/*.deb; do
    need=$(dpkg-deb -f "$deb" Depends | sed -nE 's/(^|.*[ ,])libc6 \(>= ([^)]+)\).*/\2/p')
    if [ -n "$need" ] && ! dpkg --compare-versions "$libc" ge "$need"; then
      log "$suite: $(basename "$deb") needs libc6 >= $need (installed: $libc)"
      return 1
    fi
  done
  echo "$dir"
}

if debs=$(fetch_debs forky); then
  root=/opt/docker28 data=/var/lib/docker-ci-modern
else
  log "forky's engine is not usable here; falling back to trixie's (Docker 26, buildx 0.13)"
  DOCKER_CI_PKGS="docker.io containerd docker-buildx"
  debs=$(fetch_debs trixie) || { log "no usable engine packages"; exit 1; }
  root=/opt/docker26 data=/var/lib/docker-ci
fi

# 3. buildx as the CLI plugin, unless that version is installed already (man pages skipped: 1 s, not 5)
bx_deb=$(ls "$debs"/docker-buildx_*.deb)
if [ "$(dpkg-query -W -f='${Version}' docker-buildx 2>/dev/null || true)" != "$(dpkg-deb -f "$bx_deb" Version)" ]; then
  dpkg -i --path-exclude='/usr/share/man/*' --path-exclude='/usr/share/doc/*' "$bx_deb" >/dev/null
fi

# 4. dockerd + containerd (+ CLI) unpacked side by side; kept when the same .debs are unpacked already
stamp=$(cd "$debs" && ls ./*.deb | grep -v docker-buildx_ | tr '\n' ' ')
if [ "$(cat "$root/.docker-ci-debs" 2>/dev/null || true)" != "$stamp" ]; then
  rm -rf "$root.new" && mkdir -p "$root.new"
  for deb in "$debs"/*.deb; do case "$deb" in *docker-buildx_*) ;; *) dpkg -x "$deb" "$root.new" ;; esac; done
  rm -f "$root.new/usr/bin/docker-init" # a dangling link; bookworm's tini-static is the init (init-path)
  echo "$stamp" >"$root.new/.docker-ci-debs"
  rm -rf "$root" && mv "$root.new" "$root"
fi
if [ "$want_cli" = 1 ] && [ -x "$root/usr/bin/docker" ] && [ ! -e /usr/local/bin/docker ]; then
  ln -s "$root/usr/bin/docker" /usr/local/bin/docker
fi

# 5. daemon.json: the containerd image store (bake's local cache, target: contexts, multi-platform)
mkdir -p "$DOCKER_CI_CONF_DIR"
conf=$DOCKER_CI_CONF_DIR/daemon-$(basename "$root").json
cat >"$conf" <<JSON
{
  "data-root": "$data",
  "features": { "containerd-snapshotter": true },
  "init-path": "/usr/bin/tini-static"
}
JSON

# 6. start dockerd in its own session (no systemd here), then wait until it answers
# shellcheck disable=SC2016
pid=$(PATH="$root/usr/sbin:$root/usr/bin:$PATH" setsid -f sh -c \
  'echo $$; exec nohup dockerd --config-file "$1" >"$2" 2>&1 </dev/null' sh "$conf" "$DOCKER_CI_LOG")
for _ in $(seq 1 300); do
  docker info >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { log "dockerd died:"; tail -20 "$DOCKER_CI_LOG" >&2; exit 1; }
  sleep 0.2
done
docker info >/dev/null
echo "$pid" >"$DOCKER_CI_PIDFILE"
log "dockerd $(docker version --format '{{.Server.Version}}') pid $pid, buildx $(docker buildx version | awk '{print $2}')"
