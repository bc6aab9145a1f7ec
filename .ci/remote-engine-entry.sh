#!/bin/sh
# The entry of .ci/remote-engine.sh's machine: its own Docker engine, and sshd as the only way in.
set -eu
# cgroup v2: move this container's processes into a child group so the engine may enable the
# controllers for the groups of its own containers (a group with processes can't delegate them).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/entry
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/entry/cgroup.procs 2>/dev/null || true
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control || true
fi
install -m 0600 /etc/caiged-sshd/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
install -m 0644 /etc/caiged-sshd/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
install -m 0600 /etc/caiged-sshd/authorized_keys /root/.ssh/authorized_keys
mkdir -p /etc/docker
cat >/etc/docker/daemon.json <<'JSON'
{ "features": { "containerd-snapshotter": true }, "init-path": "/usr/bin/tini-static" }
JSON
# A restart (with the engine this machine runs on) keeps the filesystem: pid files of the last run
# would name processes of this one.
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid /run/sshd.pid
dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify \
  --tlscacert /etc/caiged-tls/ca.pem --tlscert /etc/caiged-tls/cert.pem --tlskey /etc/caiged-tls/key.pem \
  >/var/log/dockerd.log 2>&1 &
exec /usr/sbin/sshd -D -e -o PasswordAuthentication=no -o PermitRootLogin=prohibit-password
