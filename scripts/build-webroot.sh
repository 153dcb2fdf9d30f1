#!/bin/sh
# Builds the public web root the HTTP listener serves ([http] webroot): the visitor widget
# (scripts/build-widget.sh), then only the built files of webclient/ with .gz and .br variants
# (webclient/build-webroot.mjs) into build/webroot/, or the folder given. Sources, lockfiles and
# node_modules stay out of it.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/webroot}
scripts/build-widget.sh
node webclient/build-webroot.mjs "$out"
