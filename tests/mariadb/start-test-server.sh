#!/usr/bin/env bash
# Starts a throwaway MariaDB server for the storage contract suite (xmppd/test/storage_test.cpp).
#
#   eval "$(tests/mariadb/start-test-server.sh)"   # sets XMPPD_TEST_MARIADB
#   ctest --test-dir build -L storage
#   tests/mariadb/stop-test-server.sh
#
# Installs Debian's mariadb-server when it is missing (without letting apt start the system
# service), creates a data directory under $XMPPD_MARIADB_STATE (default
# /tmp/xmppd-mariadb-test), starts mariadbd on a free loopback port with the options the
# full-text search needs, waits (bounded) until it answers, creates the database xmppd_test and
# prints the `export XMPPD_TEST_MARIADB=...` line on stdout; everything else goes to stderr.
# XMPPD_MARIADB_OPTIONS adds mariadbd options after ours (e.g. a production-sized buffer pool
# for the archive benchmark: --innodb-buffer-pool-size=1G, see docs/benchmarks.md).
# Run as root. Every wait is bounded: the script fails instead of hanging.
set -euo pipefail

STATE=${XMPPD_MARIADB_STATE:-/tmp/xmppd-mariadb-test}
DATABASE=${XMPPD_MARIADB_DATABASE:-xmppd_test}
START_TIMEOUT=${XMPPD_MARIADB_START_TIMEOUT:-60}

log() { echo "start-test-server: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it may install mariadb-server and starts mariadbd --user=root)"

find_server() {
  for candidate in mariadbd /usr/sbin/mariadbd mysqld /usr/sbin/mysqld; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}

install_server() {
  log "mariadb-server is not installed: installing it with apt-get"
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # Tells invoke-rc.d not to start any service during the installation.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >&2 || rc=$?
  if [ $rc = 0 ]; then
    timeout 900 apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >&2 || rc=$?
  fi
  if [ $created_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  [ $rc = 0 ] || die "apt-get failed (exit $rc)"
  # If the system service was started anyway, stop it: it would hold port 3306 and memory.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
    timeout 60 systemctl stop mariadb || true
  fi
  if [ -x /etc/init.d/mariadb ] && timeout 10 /etc/init.d/mariadb status >/dev/null 2>&1; then
    timeout 60 /etc/init.d/mariadb stop >&2 || true
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Hltn "sport = :$port" | grep -q .; then echo "$port"; return; fi
  done
  die "no free port found"
}

if [ -f "$STATE/mariadbd.pid" ] && kill -0 "$(cat "$STATE/mariadbd.pid")" 2>/dev/null; then
  log "a test server is already running (pid $(cat "$STATE/mariadbd.pid")); reusing it"
  cat "$STATE/env"
  exit 0
fi

SERVER=$(find_server) || { install_server; SERVER=$(find_server) || die "mariadbd not found after installation"; }
INSTALL_DB=$(command -v mariadb-install-db || command -v mysql_install_db) || die "mariadb-install-db not found"
ADMIN=$(command -v mariadb-admin || command -v mysqladmin) || die "mariadb-admin not found"
CLIENT=$(command -v mariadb || command -v mysql) || die "the mariadb client is not found"

rm -rf "$STATE"
mkdir -p "$STATE"
DATADIR=$STATE/data
SOCKET=$STATE/mariadbd.sock
PORT=$(free_port)

log "initialising $DATADIR"
timeout 120 "$INSTALL_DB" --no-defaults --datadir="$DATADIR" --user=root \
  --auth-root-authentication-method=normal --skip-test-db >"$STATE/install.log" 2>&1 \
  || { cat "$STATE/install.log" >&2; die "mariadb-install-db failed"; }

log "starting $SERVER on 127.0.0.1:$PORT"
# setsid: the server must not die with the shell that started it, nor get its signals.
setsid "$SERVER" --no-defaults --user=root --datadir="$DATADIR" \
  --bind-address=127.0.0.1 --port="$PORT" --socket="$SOCKET" --pid-file="$STATE/mariadbd.pid" \
  --log-error="$STATE/error.log" --skip-name-resolve --skip-log-bin \
  --innodb_ft_min_token_size=2 --innodb_ft_enable_stopword=OFF \
  --innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
  ${XMPPD_MARIADB_OPTIONS:-} \
  </dev/null >/dev/null 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" > "$STATE/mariadbd.pid"

deadline=$((SECONDS + START_TIMEOUT))
until timeout 5 "$ADMIN" --no-defaults --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot \
        --connect-timeout=2 ping >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 40 "$STATE/error.log" >&2 || true
    die "mariadbd exited during start"
  fi
  if [ $SECONDS -ge $deadline ]; then
    tail -n 40 "$STATE/error.log" >&2 || true
    kill "$SERVER_PID" 2>/dev/null || true
    die "mariadbd did not answer within ${START_TIMEOUT}s"
  fi
  sleep 0.5
done

timeout 30 "$CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot \
  -e "CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" \
  || die "could not create database $DATABASE"

echo "export XMPPD_TEST_MARIADB='host=127.0.0.1;port=$PORT;user=root;database=$DATABASE'" > "$STATE/env"
log "ready (pid $SERVER_PID, data in $DATADIR); stop it with tests/mariadb/stop-test-server.sh"
cat "$STATE/env"
