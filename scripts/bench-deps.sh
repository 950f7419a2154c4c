#!/usr/bin/env bash
# The benchmark's baseline is Debian's docker-compose 1.29 (the Python v1), installed here if missing.
set -euo pipefail
if ! command -v docker-compose >/dev/null 2>&1; then
  if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    echo "bench: install docker-compose 1.29 (Debian: apt-get install docker-compose)" >&2
    exit 1
  fi
fi
