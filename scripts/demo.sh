#!/bin/sh
# Builds xmppd and starts it in the foreground on the embedded default: SQLite, a self-signed
# certificate made on first run, the demo domain "localhost" and two demo accounts whose
# passwords are printed (and kept in demo/logins.txt, readable by root only).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh
dir=${XMPPD_DEMO_DIR:-demo}
if [ ! -f "$dir/xmppd.toml" ]; then
  build/apps/xmppctl init --domain localhost --dir "$dir" >/dev/null
  umask 077
  : > "$dir/logins.txt"
  for user in alice bob; do
    password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$password" | build/apps/xmppctl --config "$dir/xmppd.toml" adduser "$user@localhost" >/dev/null
    printf '%s@localhost %s\n' "$user" "$password" >> "$dir/logins.txt"
  done
fi
echo "xmppd demo: domain localhost, c2s on port 5222 (STARTTLS) and 5223 (direct TLS)."
http_port=$(awk '/^type = "http"/ {h=1} h && /^port = / {print $3; exit}' "$dir/xmppd.toml")
if [ -n "$http_port" ]; then
  echo "WebSocket (RFC 7395): wss://localhost:$http_port/xmpp-websocket"
  echo "  (discovery: https://localhost:$http_port/.well-known/host-meta)"
fi
echo "The certificate is self-signed: accept it in your client (e.g. profanity: /tls allow)."
echo "Demo logins (account password):"
sed 's/^/  /' "$dir/logins.txt"
echo "Stop with Ctrl-C."
exec build/apps/xmppd --config "$dir/xmppd.toml"
