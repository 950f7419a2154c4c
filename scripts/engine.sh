#!/usr/bin/env bash
# Make sure a Docker engine answers. Does nothing when one already does (local socket or DOCKER_HOST);
# on Debian/Ubuntu as root installs Debian's docker.io and starts dockerd in the background,
# because apt's policy keeps the package from starting it and CI machines start with no daemon.
set -euo pipefail

log=${BERTH_DOCKERD_LOG:-/var/log/berth-dockerd.log}
sock=/var/run/docker.sock

engine_answers() {
  if [ -n "${DOCKER_HOST:-}" ]; then
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1
  else
    [ -S "$sock" ] && curl -fsS --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
  fi
}

if engine_answers; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "berth: the Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer. Start it there, or unset DOCKER_HOST to use a local engine." >&2
  exit 1
fi

if [ ! -r /etc/debian_version ] || [ "$(id -u)" != 0 ]; then
  echo "berth: no Docker engine answers on $sock." >&2
  echo "  Install Docker Engine for your system (https://docs.docker.com/engine/install/), start it, and run this again." >&2
  echo "  On Debian or Ubuntu as root, 'make engine' installs and starts it for you." >&2
  exit 1
fi

# debootstrap seeds the base image when no registry answers (berth images ensure-base).
if ! command -v dockerd >/dev/null 2>&1 || ! [ -x /usr/sbin/debootstrap ]; then
  echo "berth: installing Debian's docker.io (engine) and debootstrap ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates curl debootstrap >/dev/null
fi

# A dockerd killed with its session leaves its pid file behind and the next one refuses to start.
if [ -f /var/run/docker.pid ] && ! pgrep -x dockerd >/dev/null 2>&1; then
  rm -f /var/run/docker.pid
fi

# The engine belongs to the machine, not to the terminal that ran make: a Ctrl-C or a closed SSH session
# must not reach it (dockerd takes SIGINT as "shut down", and nohup only ignores SIGHUP). An init system
# owns it where one runs; otherwise it gets a session of its own, outside the caller's process group.
start_engine() {
  if [ -d /run/systemd/system ] && systemctl start docker >/dev/null 2>&1; then
    echo "berth: started the engine with systemctl (log: journalctl -u docker)" >&2
    return
  fi
  if [ "$(cat /proc/1/comm 2>/dev/null)" = init ] && [ -x /etc/init.d/docker ] && service docker start >/dev/null 2>&1; then
    echo "berth: started the engine with service docker start (log: /var/log/docker.log)" >&2
    return
  fi
  echo "berth: starting dockerd in its own session (log: $log) ..." >&2
  setsid -f dockerd >"$log" 2>&1 </dev/null
}

if ! pgrep -x dockerd >/dev/null 2>&1; then
  start_engine
fi

for _ in $(seq 1 120); do
  if engine_answers; then
    echo "berth: Docker engine $(curl -fsS --unix-socket "$sock" http://localhost/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1) answers on $sock" >&2
    exit 0
  fi
  sleep 0.5
done
echo "berth: dockerd did not answer within 60 s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
