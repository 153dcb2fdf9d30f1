#!/bin/sh
# Configures and builds xmppd into build/ (ccache keeps rebuilds quick).
set -eu
cd "$(dirname "$0")/.."
type=${XMPPD_BUILD_TYPE:-RelWithDebInfo}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
fi
cmake --build build -j "$(nproc)"
# The visitor widget (npm + esbuild) and the public web root with only the built files,
# build/webroot/, which scripts/demo.sh serves.
scripts/build-webroot.sh
