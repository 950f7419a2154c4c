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

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "berth: starting dockerd (log: $log) ..." >&2
  nohup dockerd >"$log" 2>&1 </dev/null &
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
