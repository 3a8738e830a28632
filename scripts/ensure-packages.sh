#!/usr/bin/env bash
# Install the Debian packages whose commands are missing, never leaving a packaged server running.
# Usage: scripts/ensure-packages.sh COMMAND:PACKAGE ...  (e.g. chromium:chromium amtool:prometheus-alertmanager)
set -euo pipefail

missing=()
for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]}; run as root to install them, or install them yourself" >&2
    exit 1
fi
echo "== installing Debian packages: ${missing[*]}"
policy=/usr/sbin/policy-rc.d created_policy=0
if [[ ! -e $policy ]]; then
    # Keep the packages' init scripts from starting their servers (alertmanager, spamd).
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
fi
cleanup() { [[ $created_policy -eq 1 ]] && rm -f "$policy"; return 0; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for service in prometheus-alertmanager spamd spamassassin; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
        systemctl disable --now "$service" || true
    fi
    if [[ -x /etc/init.d/$service ]] && /etc/init.d/$service status >/dev/null 2>&1; then
        /etc/init.d/$service stop || true
    fi
done
