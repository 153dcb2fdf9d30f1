#!/bin/sh
# `cmake --install` (docs/install.md) into a staging root: the programs, the web root at the
# path xmppd serves by default (issue 4: `<datadir>/xmppd/webclient`, only built files with their
# .gz/.br variants, never sources, lockfiles or node_modules), the documents and the systemd unit
# pointing at the installed binary. Then the installed xmppctl writes a configuration that the
# installed xmppd accepts. Usage: install-layout.sh BUILD_DIR
set -eu
build=$1
stage=$(mktemp -d /tmp/xmppd-install-XXXXXX)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$stage" cmake --install "$build" >"$stage.log" 2>&1 || { cat "$stage.log"; fail "cmake --install failed"; }
rm -f "$stage.log"
root="$stage$prefix"

for f in bin/xmppd bin/xmppctl; do [ -x "$root/$f" ] || fail "$f is not installed"; done
web="$root/share/xmppd/webclient"
for f in widget/dist/loader.js widget/dist/loader.js.gz widget/dist/loader.js.br demo/index.html site-demo/index.html; do
  [ -f "$web/$f" ] || fail "web root: $f missing"
done
leaked=$(find "$web" \( -name node_modules -o -name package.json -o -name package-lock.json -o -name '*.mjs' -o -name '*.ts' \) | head -5)
[ -z "$leaked" ] || fail "web root holds sources: $leaked"
# The compiled-in default web root is where the files went (XMPPD_DEFAULT_WEBROOT).
grep -a -q "$prefix/share/xmppd/webclient" "$root/bin/xmppd" || fail "xmppd's default web root is not $prefix/share/xmppd/webclient"
for f in README.md install.md configuration.md protocol.md; do [ -f "$root/share/doc/xmppd/$f" ] || fail "doc $f missing"; done
unit="$root/lib/systemd/system/xmppd.service"
[ -f "$unit" ] || fail "systemd unit missing"
grep -q "^ExecStart=$prefix/bin/xmppd --config /var/lib/xmppd/xmppd.toml$" "$unit" || fail "unit's ExecStart: $(grep ExecStart= "$unit")"
grep -q "^User=xmppd$" "$unit" || fail "the unit does not run as xmppd"

# The installed programs work together: init, then --check-config.
"$root/bin/xmppctl" init --domain example.org --dir "$stage/var" >/dev/null || fail "xmppctl init failed"
"$root/bin/xmppd" --config "$stage/var/xmppd.toml" --check-config | grep -q "configuration is valid" || fail "check-config"
echo "ok   installed: $(cd "$root" && find . -type f | wc -l) files under $prefix"
echo "1 passed, 0 failed"
