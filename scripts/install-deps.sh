#!/bin/sh
# Installs the Debian 12 packages xmppd builds and tests with (idempotent; apt runs only when
# something is missing). Usage: scripts/install-deps.sh [build|demo|test]
set -eu
mode=${1:-build}
packages="cmake ninja-build g++ pkg-config ccache
  libboost1.74-dev libboost-test1.74-dev libssl-dev libexpat1-dev libsqlite3-dev libmariadb-dev
  libicu-dev libtomlplusplus-dev nlohmann-json3-dev libphonenumber-dev libmimalloc-dev"
if [ "$mode" = test ]; then
  # The browser scenarios drive Debian's chromium with playwright-core (tests/web, npm): never a
  # browser build of Playwright's own.
  # Profanity is the desktop client of the 19/58/89 scenarios, driven in tmux.
  packages="$packages python3 python3-slixmpp python3-precis-i18n libstrophe-dev mariadb-server
    mariadb-client procps python3-websockets chromium profanity tmux tzdata"
fi
# Every mode: scripts/build.sh builds the visitor widget with npm (webclient/widget), and npm
# fetches the web scenarios' clients (tests/web) and the demo page's strophe.js. A machine with
# NodeSource's nodejs has npm inside it, so only what is missing is asked of apt.
command -v node >/dev/null 2>&1 || packages="$packages nodejs"
command -v npm >/dev/null 2>&1 || packages="$packages npm"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
# Keep apt from starting servers (mariadb) on their standard ports while installing.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
