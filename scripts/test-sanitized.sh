#!/bin/sh
# The bad-input probes (ctest label "badinput") against a sanitizer build: xmppd and xmppctl
# with AddressSanitizer, LeakSanitizer and UBSan (XMPPD_SANITIZE=ON) in build-asan/, only those
# two targets (ccache). A probe fails on any sanitizer report in the server's log or a non-zero
# exit at shutdown (issue 2: "no LeakSanitizer report in a sanitizer build of the probes").
# scripts/test.sh runs this after the main suite; on its own it needs XMPPD_TEST_MARIADB only for
# scenarios marked for MariaDB. Extra arguments go to ctest.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f build-asan/build.ninja ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXMPPD_SANITIZE=ON >/dev/null
fi
cmake --build build-asan -j "$(nproc)" --target xmppd xmppctl
ctest --test-dir build-asan --output-on-failure --timeout 600 -j 2 -L badinput -LE wip "$@"
