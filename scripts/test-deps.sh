#!/usr/bin/env bash
# What the tests drive besides the engine: tmux (a real terminal for the TUI end-to-end test) and
# script(1) from util-linux (a pty for the reporter-choice test); python3 for the tests of berth dev's Python
# preloading helper.
set -euo pipefail
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "tests need: ${missing[*]}" >&2
    exit 1
  fi
fi
