#!/usr/bin/env bash
# Make sure Debian's `prometheus` package (prometheus and promtool) is installed, without ever
# leaving its packaged server running: the deploy checks and the scrape test start their own.
set -euo pipefail

install_promtool() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "promtool is missing; run as root to install Debian's prometheus package, or install it yourself" >&2
        exit 1
    fi
    echo "== installing promtool (Debian package prometheus)"
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null || {
        [[ $created_policy -eq 1 ]] && rm -f "$policy"
        exit 1
    }
    [[ $created_policy -eq 1 ]] && rm -f "$policy"
    # Should the package have started a server anyway (systemd ignores policy-rc.d), stop it.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
        systemctl disable --now prometheus || true
    fi
    if [[ -x /etc/init.d/prometheus ]] && /etc/init.d/prometheus status >/dev/null 2>&1; then
        /etc/init.d/prometheus stop || true
    fi
}


command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || install_promtool
