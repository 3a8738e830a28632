#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on loopback: start them, installing Debian's
# packages first where they are missing. Does nothing when both are already up, or when
# DATABASE_URL / AMQP_URL point elsewhere (then those servers are the caller's business).
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

wait_for_port() {  # port seconds name
  for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  log "$3 did not open port $1 within $2 s"; return 1
}

local_target() {  # url default-port -> true when it points at this machine
  case "${1:-}" in ""|*@localhost*|*@127.0.0.1*|*//localhost*|*//127.0.0.1*) return 0;; *) return 1;; esac
}

ensure_postgres() {
  if port_open 5432; then return 0; fi
  local_target "${DATABASE_URL:-}" || { log "DATABASE_URL is not local; not starting PostgreSQL"; return 0; }
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL (Debian package postgresql)"
    apt_install postgresql
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # A development/CI machine: trust loopback for the postgres role, as the project expects.
  if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for_port 5432 60 PostgreSQL
}

ensure_rabbitmq() {
  if port_open 5672; then return 0; fi
  local_target "${AMQP_URL:-}" || { log "AMQP_URL is not local; not starting RabbitMQ"; return 0; }
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    log "installing RabbitMQ (Debian package rabbitmq-server)"
    apt_install rabbitmq-server
  fi
  log "starting RabbitMQ"
  as_root rabbitmq-server -detached || true
  wait_for_port 5672 120 RabbitMQ
  as_root rabbitmqctl await_startup --timeout 120 >/dev/null 2>&1 || true
}

ensure_postgres
ensure_rabbitmq
log "PostgreSQL and RabbitMQ are up"
