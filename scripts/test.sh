#!/bin/sh
# Installs what is missing, builds xmppd and runs every test (ctest), including the storage
# suite on a throwaway MariaDB server started here on a free loopback port.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
scripts/build.sh
state=$(mktemp -d /tmp/xmppd-mariadb-XXXXXX)
cleanup() { tests/mariadb/stop-test-server.sh "$state" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
eval "$(tests/mariadb/start-test-server.sh "$state")"
export XMPPD_TEST_MARIADB
ctest --test-dir build --output-on-failure --timeout 600 -j 2 "$@"
