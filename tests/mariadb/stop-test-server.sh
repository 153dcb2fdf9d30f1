#!/usr/bin/env bash
# Stops the server started by start-test-server.sh and removes its data directory.
set -euo pipefail

STATE=${XMPPD_MARIADB_STATE:-/tmp/xmppd-mariadb-test}
STOP_TIMEOUT=${XMPPD_MARIADB_STOP_TIMEOUT:-30}

log() { echo "stop-test-server: $*" >&2; }

if [ ! -f "$STATE/mariadbd.pid" ]; then
  log "no test server state in $STATE"
  exit 0
fi
pid=$(cat "$STATE/mariadbd.pid")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      log "mariadbd ($pid) did not stop within ${STOP_TIMEOUT}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  log "stopped mariadbd ($pid)"
else
  log "mariadbd ($pid) was not running"
fi
rm -rf "$STATE"
