// One strophe.js session over BOSH (XEP-0124/0206), for tests/integration/65-67: logs in (SCRAM,
// or ANONYMOUS when `jid` is a bare domain) or attaches to a running session (what a reloaded
// page does with the sid and rid its previous page left), and follows JSON commands on stdin.
//   argv[2]: {"service": "http://.../http-bind", "jid": "user@domain/res" | "guest.domain",
//             "password"?: "...", "mechanism"?: "SCRAM-SHA-256", "wait"?: 60, "hold"?: 1,
//             "attach"?: {"jid", "sid", "rid"}}
// Prints one JSON object per line: {"status", "condition"}, {"online", "mechanism", "sid"},
// {"message": {...}}, {"iq": {...}}, {"frozen": {"jid", "sid", "rid"}}.
// Commands: {"send": {"to", "body", "id"}}, {"ping": {"to", "id"}}, {"freeze": true} (stop sending,
// print the sid and next rid, exit: a page unloading), {"stop": true} (log out).
import { createInterface } from "node:readline";
import XMLHttpRequest2 from "xhr2";
import { Strophe, $msg, $iq } from "strophe.js";

// COMPAT: Node has no XMLHttpRequest; xhr2 stands in but has no responseXML, which strophe.js
// reads the <body/> from. The DOMParser is strophe.js's own Node shim (@xmldom/xmldom).
class XMLHttpRequestWithXml extends XMLHttpRequest2 {
  get responseXML() {
    if (this.readyState !== 4 || !this.responseText) return null;
    return new DOMParser().parseFromString(this.responseText, "text/xml");
  }
}
globalThis.XMLHttpRequest = XMLHttpRequestWithXml;

const opts = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const names = Object.fromEntries(Object.entries(Strophe.Status).map(([k, v]) => [v, k]));

const mechanisms = opts.mechanism === "SCRAM-SHA-256" ? [Strophe.SASLSHA256] : undefined;
const conn = new Strophe.Connection(opts.service, mechanisms ? { mechanisms } : {});

conn.addHandler((m) => {
  const body = m.getElementsByTagName("body")[0];
  const error = m.getElementsByTagName("error")[0];
  out({
    message: {
      from: m.getAttribute("from"),
      type: m.getAttribute("type"),
      body: body ? body.textContent : null,
      error: error ? error.firstElementChild?.tagName ?? null : null,
    },
  });
  return true;
}, null, "message");

function onStatus(status, condition) {
  out({ status: names[status], condition: condition ?? null });
  if (status === Strophe.Status.CONNECTED || status === Strophe.Status.ATTACHED) {
    out({ online: conn.jid, mechanism: conn._sasl_mechanism?.mechname ?? null, sid: conn._proto.sid });
  }
  if (status === Strophe.Status.DISCONNECTED) process.exit(0);
}

if (opts.attach) {
  const a = opts.attach;
  conn.attach(a.jid, a.sid, a.rid, onStatus, opts.wait, opts.hold);
} else {
  conn.connect(opts.jid, opts.password ?? null, onStatus, opts.wait, opts.hold);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.send) {
    conn.send($msg({ to: cmd.send.to, type: "chat", id: cmd.send.id }).c("body").t(cmd.send.body));
  } else if (cmd.ping) {
    const iq = $iq({ to: cmd.ping.to, type: "get", id: cmd.ping.id }).c("ping", { xmlns: "urn:xmpp:ping" });
    conn.sendIQ(
      iq,
      () => out({ iq: { id: cmd.ping.id, type: "result" } }),
      (e) => {
        const error = e?.getElementsByTagName?.("error")[0];
        out({ iq: { id: cmd.ping.id, type: "error", condition: error ? error.firstElementChild?.tagName : "timeout" } });
      },
      10000,
    );
  } else if (cmd.freeze) {
    // Strophe stops sending new requests; the one held at the server stays there, as when a page
    // is left. The next page continues with the same sid and the next rid (XEP-0124 §14.1).
    conn.pause();
    out({ frozen: { jid: conn.jid, sid: conn._proto.sid, rid: conn._proto.rid } });
    setTimeout(() => process.exit(0), 50);
  } else if (cmd.stop) {
    conn.disconnect();
  }
});
