#!/bin/sh
# Builds xmppd and starts it in the foreground on the embedded default: SQLite, a self-signed
# certificate made on first run, the demo domain "localhost" and two demo accounts whose
# passwords are printed (and kept in demo/logins.txt, readable by root only).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh demo
scripts/build.sh
# scripts/build.sh also made build/webroot/: the built files of webclient/ only (the demo page
# with strophe.js from npm, the sample site, the widget's loader and bundle), never its sources.
dir=${XMPPD_DEMO_DIR:-demo}
webroot="$(pwd)/build/webroot"
if [ ! -f "$dir/xmppd.toml" ]; then
  build/apps/xmppctl init --domain localhost --dir "$dir" >/dev/null
  # The demo page (webclient/demo/) of this checkout, allowed to open sessions from its own
  # origin, and uploads served from upload.localhost on the same listener.
  http_port=$(awk '/^type = "http"/ {h=1} h && /^port = / {print $3; exit}' "$dir/xmppd.toml")
  awk -v o="origins = [\"https://localhost:$http_port\"]" \
    '{print} /^type = "http"/ {h=1} h && /^port = / {print o; h=0}' "$dir/xmppd.toml" > "$dir/xmppd.toml.new"
  mv "$dir/xmppd.toml.new" "$dir/xmppd.toml"
  printf '\n[http]\nwebroot = "%s"\n\n[hosts."upload.localhost".module.upload]\npublic_url = "https://upload.localhost:%s"\n' \
    "$webroot" "$http_port" >> "$dir/xmppd.toml"
  # The visitor widget (webclient/widget) on the sample funds page (webclient/site-demo/): one
  # queue answered by alice whose tickets and callbacks go to bob, open around the clock (so
  # callback slots are offered whenever the demo runs), the site key "demo" of the page's snippet.
  printf '\n[hosts."chat.localhost".module.livechat]\nqueues = ["general | Pytania ogólne | alice | 30s | least_busy | bob"]\nhours = ["general | daily 00:00-24:00 | holidays open"]\nnotice_version = "2026-01"\nwidget_site_key = "demo"\nwidget_origins = ["https://localhost:%s"]\nwidget_invite_after = "10s"\nwidget_notice_url = "https://localhost:%s/site-demo/informacja.html"\n' \
    "$http_port" "$http_port" >> "$dir/xmppd.toml"
  # The automation's texts (issue 6 "Events"): greeting, all busy, inactivity warning and close.
  cat >> "$dir/xmppd.toml" <<'TOML'
greeting = "Dzień dobry! Dziękujemy za pytanie. Konsultant zaraz dołączy do rozmowy."
busy_message = "Wszyscy konsultanci są teraz zajęci. Przewidywany czas oczekiwania: {wait}. Prosimy nie zamykać okna."
busy_message_no_estimate = "Wszyscy konsultanci są teraz zajęci. Odpowiemy najszybciej, jak to możliwe."
inactivity_warning_message = "Czy jest Pan/Pani nadal z nami? Bez odpowiedzi rozmowa zostanie zamknięta za {minutes} min."
inactivity_closed_message = "Rozmowa została zamknięta z powodu braku aktywności. Zapraszamy ponownie."
TOML
  umask 077
  : > "$dir/logins.txt"
  for user in alice bob; do
    password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$password" | build/apps/xmppctl --config "$dir/xmppd.toml" adduser "$user@localhost" >/dev/null
    printf '%s@localhost %s\n' "$user" "$password" >> "$dir/logins.txt"
  done
fi
# A demo/ made by an older checkout served the source folder webclient/ itself (sources,
# package.json, node_modules): point it at the built web root instead.
sed -i "s|^webroot = \".*/webclient\"\$|webroot = \"$webroot\"|" "$dir/xmppd.toml"
echo "xmppd demo: domain localhost, c2s on port 5222 (STARTTLS) and 5223 (direct TLS)."
http_port=$(awk '/^type = "http"/ {h=1} h && /^port = / {print $3; exit}' "$dir/xmppd.toml")
if [ -n "$http_port" ]; then
  echo "WebSocket (RFC 7395): wss://localhost:$http_port/xmpp-websocket"
  echo "  (discovery: https://localhost:$http_port/.well-known/host-meta)"
  echo "Demo page (WebSocket, BOSH fallback, file upload): https://localhost:$http_port/demo/"
  echo "Visitor widgets (chat + callback) on a sample funds page: https://localhost:$http_port/site-demo/"
  echo "  (log in as alice and send presence to chat.localhost, or subscribe to it, to be the available consultant)"
fi
echo "The certificate is self-signed: accept it in your client (e.g. profanity: /tls allow)."
echo "Demo logins (account password):"
sed 's/^/  /' "$dir/logins.txt"
echo "Stop with Ctrl-C."
exec build/apps/xmppd --config "$dir/xmppd.toml"
