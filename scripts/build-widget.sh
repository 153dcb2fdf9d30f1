#!/bin/sh
# Builds the visitor widget (webclient/widget, issue 7) from its lockfile with esbuild (npm) into
# webclient/widget/dist/, which the [http] webroot serves as /widget/dist/. Skips the npm step when
# the lockfile has not changed since the last install.
set -eu
cd "$(dirname "$0")/../webclient/widget"
if ! command -v npm >/dev/null 2>&1; then
  echo "build-widget: npm is missing (scripts/install-deps.sh installs it); the widget is not built" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lockfile-built; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.lockfile-built
fi
npm run --silent build
