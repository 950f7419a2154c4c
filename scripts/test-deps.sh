#!/usr/bin/env bash
# What the tests drive besides the engine: tmux (a real terminal for the TUI end-to-end test) and
# script(1) from util-linux (a pty for the reporter-choice test); python3 for the tests of berth dev's Python
# preloading helper; qemu-system-x86, openipmi's ipmi_sim and ipmitool for the virtual baremetal nodes (their
# tests boot one under TCG behind its BMC), dnsmasq and curl for their ctlplane (DHCP on it, HTTP to a node).
set -euo pipefail
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v ipmi_sim >/dev/null 2>&1 || missing+=(openipmi)
command -v ipmitool >/dev/null 2>&1 || missing+=(ipmitool)
# UEFI firmware for `berth node add --uefi`: only a recommendation of qemu-system-x86, which is installed without them.
[ -e /usr/share/qemu/OVMF.fd ] || missing+=(ovmf)
command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
    # A machine whose package lists were never fetched (an engine installed some other way) knows none of these.
    install || { apt-get update -qq >/dev/null && install; }
  else
    echo "tests need: ${missing[*]}" >&2
    exit 1
  fi
fi
