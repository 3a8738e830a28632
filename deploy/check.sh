#!/usr/bin/env bash
# Checks the deploy assets: Prometheus config and rules (promtool), the rule unit tests,
# the Alertmanager config and its routes (amtool), and the Grafana dashboard / compose file
# against what the services really export.
#
#   deploy/check.sh            # from anywhere; installs Debian's `prometheus` for promtool if missing
#
# Installing needs root (apt-get). The package's service is never started: a policy-rc.d
# denies service starts during the install, and any instance it started is stopped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

"$repo/scripts/ensure-prometheus.sh"
echo "== $(promtool --version 2>&1 | head -n1)"

cd "$here/prometheus"
echo "== promtool check config prometheus.yml"
promtool check config prometheus.yml
echo "== promtool check config prometheus.local.yml.tmpl (rendered with loopback targets)"
rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
MONITOR_TARGET=127.0.0.1:8000 SCHEDULER_TARGET=127.0.0.1:9101 AGGREGATOR_TARGET=127.0.0.1:9102 \
MAILER_TARGET=127.0.0.1:9103 RABBITMQ_TARGET=127.0.0.1:15692 SCRAPE_INTERVAL=1s \
RULES_FILE="$here/prometheus/rules/sportify.rules.yml" \
    python3 -c 'import os, string, sys; sys.stdout.write(string.Template(sys.stdin.read()).substitute(os.environ))' \
    <prometheus.local.yml.tmpl >"$rendered/prometheus.yml"
promtool check config "$rendered/prometheus.yml"
echo "== promtool check rules rules/sportify.rules.yml"
promtool check rules rules/sportify.rules.yml
echo "== promtool test rules tests/*.test.yml"
promtool test rules tests/sportify.rules.test.yml tests/sportify.rules.long.test.yml

echo "== $(amtool --version 2>&1 | head -n1)"
echo "== amtool check-config alertmanager/alertmanager.yml"
amtool check-config "$here/alertmanager/alertmanager.yml"
echo "== amtool config routes test (one alert per receiver set; every alert: tests/deploy)"
route() {  # route EXPECTED_RECEIVERS LABEL=VALUE...
    local expected="$1"
    shift
    local got
    got="$(amtool config routes test --config.file="$here/alertmanager/alertmanager.yml" \
        --verify.receivers="$expected" "$@" 2>/dev/null)" || {
        echo "routing of $* is '$got', expected '$expected'" >&2
        exit 1
    }
    echo "   $* -> $got"
}
route ops-webhook,ops-email alertname=SportifyServiceDown severity=critical job=sportify-mailer
route ops-webhook,ops-email alertname=SportifyWeeklyRunMissing severity=critical
route ops-email alertname=SportifyJobRunFailed severity=warning job=weekly-events
route ops-webhook alertname=SportifySmtpCircuitOpen severity=critical

echo "== dashboard, rules, compose and Alertmanager (pytest tests/deploy)"
cd "$repo"
uv run --frozen pytest -q -p no:cacheprovider tests/deploy
echo "== deploy checks passed"
