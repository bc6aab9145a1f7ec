#!/usr/bin/env bash
# A second machine for the remote-engine tests: a Debian container with its own disk (a volume),
# its own loopback and its own Docker 28 engine (the one .ci/docker-engine.sh unpacked), reached
# only over ssh on this machine's 127.0.0.1, the way a user reaches a bigger machine with
# `docker context create NAME --docker host=ssh://HOST`. Nothing of this machine's disk is mounted
# into it but its sshd keys, so a path of this machine does not exist there.
#
# ssh reads the config of the password database's home, not $HOME's, so the tests reach it through
# a wrapper that is first on their PATH: $DIR/bin/ssh, which adds `-F $DIR/ssh_config` (host alias
# caiged-ci-remote: key, known host, port). Docker's ssh transport and caiged's forward both run it.
#
# Its engine also listens on tcp with TLS (mutual: a CA of its own, a client certificate), published
# on 127.0.0.1:22376, for the engines users reach by DOCKER_HOST=tcp://… (DOCKER_TLS_VERIFY=1,
# DOCKER_CERT_PATH=$DIR/tls).
#
# Usage: bash .ci/remote-engine.sh        start (or reuse) it; DOCKER_HOST=ssh://caiged-ci-remote
#        bash .ci/remote-engine.sh stop   remove the container this script started (by its ID)
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=/etc/caiged-ci-remote
IDFILE=$DIR/container-id
PORT=${CAIGED_CI_REMOTE_PORT:-22022}
TLS_PORT=${CAIGED_CI_REMOTE_TLS_PORT:-22376}
IMAGE=caiged-ci/remote-engine
BASE=${CAIGED_TEST_BASE_IMAGE:-local/debian:bookworm}
log() { echo "remote-engine: $*" >&2; }
remote() { PATH="$DIR/bin:$PATH" DOCKER_HOST=ssh://caiged-ci-remote docker "$@"; }

if [ "${1:-}" = stop ]; then
  id=$(cat "$IDFILE" 2>/dev/null || true)
  if [ -n "$id" ]; then docker rm -f "$id" >/dev/null 2>&1 || true; fi
  rm -f "$IDFILE"
  exit 0
fi

id=$(cat "$IDFILE" 2>/dev/null || true)
if [ -n "$id" ] && [ "$(docker inspect --format '{{.State.Running}}' "$id" 2>/dev/null)" = true ] &&
  remote info >/dev/null 2>&1; then
  log "already running (container ${id:0:12})"
  exit 0
fi
[ -z "$id" ] || docker rm -f "$id" >/dev/null 2>&1 || true
[ -x /opt/docker28/usr/sbin/dockerd ] || { log "no Docker 28 under /opt/docker28: run .ci/docker-engine.sh first"; exit 1; }

# Keys: the client's, and the machine's host key (so known_hosts is exact, never accept-new).
mkdir -p "$DIR/bin" "$DIR/sshd"
[ -f "$DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C caiged-ci -f "$DIR/id_ed25519"
[ -f "$DIR/sshd/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C caiged-ci-remote -f "$DIR/sshd/ssh_host_ed25519_key"
cp "$DIR/id_ed25519.pub" "$DIR/sshd/authorized_keys"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$DIR/sshd/ssh_host_ed25519_key.pub")" >"$DIR/known_hosts"
cat >"$DIR/ssh_config" <<CONF
Host caiged-ci-remote
  HostName 127.0.0.1
  Port $PORT
  User root
  IdentityFile $DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CONF
cat >"$DIR/bin/ssh" <<WRAP
#!/bin/sh
exec /usr/bin/ssh -F $DIR/ssh_config "\$@"
WRAP
chmod 0755 "$DIR/bin/ssh"

# TLS for its tcp endpoint: a CA, the engine's certificate for 127.0.0.1, a client's (docker's names).
tls=$DIR/tls
if [ ! -f "$tls/cert.pem" ]; then
  mkdir -p "$tls/server"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj /CN=caiged-ci-remote-ca \
    -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$tls/server/key.pem" -out "$tls/server.csr" 2>/dev/null
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n') \
    -out "$tls/server/cert.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=caiged-ci \
    -keyout "$tls/key.pem" -out "$tls/client.csr" 2>/dev/null
  openssl x509 -req -in "$tls/client.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out "$tls/cert.pem" 2>/dev/null
  cp "$tls/ca.pem" "$tls/server/ca.pem"
  rm -f "$tls"/*.csr
fi

# The machine's image: the base the tests use, bookworm's sshd, runc, tini and iptables, and the
# same engine binaries as this machine's (the docker CLI too: ssh runs `docker system dial-stdio`).
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp -a /opt/docker28 "$context/engine"
mkdir -p "$context/engine/usr/local/bin"
cp "$(readlink -f "$(command -v docker)")" "$context/engine/usr/local/bin/docker"
cp .ci/remote-engine-entry.sh "$context/entry.sh"
cat >"$context/Dockerfile" <<DOCKERFILE
FROM $BASE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openssh-server runc tini iptables procps >/dev/null && rm -rf /var/lib/apt/lists/* && \
    update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null && \
    mkdir -p /run/sshd /root/.ssh && rm -f /etc/ssh/ssh_host_*
COPY engine/ /
COPY entry.sh /entry.sh
ENTRYPOINT ["/entry.sh"]
DOCKERFILE
log "building $IMAGE"
docker build -q -t "$IMAGE" "$context" >/dev/null

# Restarted with the engine it runs on (the reliability drill restarts that dockerd).
id=$(docker run -d --privileged --restart unless-stopped --hostname caiged-ci-remote \
  -v caiged-ci-remote-docker:/var/lib/docker \
  -v "$DIR/sshd:/etc/caiged-sshd:ro" -v "$tls/server:/etc/caiged-tls:ro" \
  -p "127.0.0.1:$PORT:22" -p "127.0.0.1:$TLS_PORT:2376" "$IMAGE")
echo "$id" >"$IDFILE"
for _ in $(seq 1 150); do
  remote info >/dev/null 2>&1 && break
  [ "$(docker inspect --format '{{.State.Running}}' "$id")" = true ] || { log "it stopped:"; docker logs "$id" 2>&1 | tail -20 >&2; exit 1; }
  sleep 0.2
done
remote info >/dev/null || { docker logs "$id" 2>&1 | tail -20 >&2; exit 1; }

# It has no registry either: the base image goes over the wire once.
if ! remote image inspect "$BASE" >/dev/null 2>&1; then
  docker save "$BASE" | remote load -q >/dev/null
fi
log "Docker $(remote version --format '{{.Server.Version}}') on ssh://caiged-ci-remote (127.0.0.1:$PORT), container ${id:0:12}"
