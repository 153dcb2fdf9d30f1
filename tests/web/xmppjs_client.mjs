// One xmpp.js (@xmpp/client) session over WebSocket, driven by the Python scenario: prints each
// event as a JSON line on stdout and obeys JSON commands read from stdin.
//   argv[2]: {"service": "ws://...", "domain": "...", "username"?: "...", "password"?: "...",
//             "resource"?: "..."}  (no username: SASL ANONYMOUS)
//   stdin:   {"send": {"to", "body", "id"}} (a chat message) | {"presence": {"to"?, "muc"?: true}} | {"drop": true} | {"reconnect": true} | {"stop": true}
import { client, xml } from "@xmpp/client";
import { createInterface } from "node:readline";
import WebSocket from "ws";

// xmpp.js uses the WebSocket global, which Node has only from version 22 (20 behind a flag):
// the `ws` package (strophe.js's own Node transport) stands in for it where it is missing.
globalThis.WebSocket ??= WebSocket;

const opts = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const xmpp = client({
  service: opts.service,
  domain: opts.domain,
  resource: opts.resource,
  username: opts.username,
  password: opts.password,
  // ANONYMOUS when there is no username (XEP-0175); otherwise the library picks (SCRAM-SHA-1).
  credentials: opts.username ? undefined : (auth) => auth({}, "ANONYMOUS"),
});
// The scenario reconnects on purpose; automatic reconnection would race with it.
xmpp.reconnect.stop();

xmpp.on("error", (err) => out({ error: String(err && (err.condition || err.message || err)) }));
xmpp.on("offline", () => out({ offline: true }));
xmpp.on("online", (jid) => {
  out({ online: jid.toString(), mechanism: xmpp.sasl?.mechanism ?? null, sm: xmpp.streamManagement.enabled,
        sm_id: xmpp.streamManagement.id });
});
xmpp.on("stanza", (stanza) => {
  if (stanza.is("message") && stanza.getChild("body"))
    // `at`: when it arrived, in milliseconds since the epoch (sub-millisecond), for latency
    // measurements against timestamps taken in a browser on the same machine (bench/widget_latency).
    out({ message: { from: stanza.attrs.from, body: stanza.getChildText("body") },
          at: performance.timeOrigin + performance.now() });
});
// XEP-0198 §3: xmpp.js enables stream management after "online"; report the server's answer.
xmpp.on("element", (e) => {
  if (e.is("enabled", "urn:xmpp:sm:3")) out({ sm_enabled: e.attrs.id ?? "", resume: e.attrs.resume ?? null });
  if (e.is("failed", "urn:xmpp:sm:3")) out({ sm_failed: e.toString() });
});
xmpp.streamManagement.on("resumed", () => out({ resumed: true, sm_id: xmpp.streamManagement.id }));
xmpp.streamManagement.on("ack", (stanza) => out({ acked: stanza.attrs.id ?? null }));
xmpp.on("status", (status) => out({ status }));
if (process.env.XDEBUG) { xmpp.on("element", (e) => out({ in: e.toString() })); xmpp.on("send", (e) => out({ out: e.toString() })); }

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const cmd = JSON.parse(line);
  try {
    if (cmd.send) {
      const { to, body, id } = cmd.send;
      await xmpp.send(xml("message", { to, type: "chat", id }, xml("body", {}, body)));
      out({ sent: id });
    } else if (cmd.presence) {
      // Initial presence (RFC 6121 §4.2, no `to`), directed presence (§4.6), with `muc` a
      // XEP-0045 §7.2 room join.
      const { to, muc } = cmd.presence;
      await xmpp.send(xml("presence", to ? { to } : {}, muc ? xml("x", { xmlns: "http://jabber.org/protocol/muc" }) : null));
      out({ sent_presence: to ?? "" });
    } else if (cmd.drop) {
      // The network goes away: no </close>, so the session stays resumable (XEP-0198 §5).
      xmpp.socket.socket.close();
    } else if (cmd.reconnect) {
      await xmpp.connect(opts.service);
      await xmpp.open({ domain: opts.domain });
    } else if (cmd.stop) {
      await xmpp.stop();
      process.exit(0);
    }
  } catch (err) {
    out({ error: String(err && (err.condition || err.message || err)) });
  }
});

xmpp.start().catch((err) => out({ error: String(err && (err.condition || err.message || err)) }));
