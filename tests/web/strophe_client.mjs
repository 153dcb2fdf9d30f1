// One strophe.js session over WebSocket with SCRAM-SHA-256 (which xmpp.js lacks): logs in,
// prints the mechanism and the bound JID, sends one message and prints the messages it gets.
//   argv[2]: {"service": "ws://...", "jid": "user@domain", "password": "...",
//             "send_to"?: "jid", "body"?: "text"}
import { Strophe, $msg } from "strophe.js";

const opts = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const conn = new Strophe.Connection(opts.service, { mechanisms: [Strophe.SASLSHA256] });
conn.addHandler((m) => {
  const body = m.getElementsByTagName("body")[0];
  if (body) out({ message: { from: m.getAttribute("from"), body: body.textContent } });
  return true;
}, null, "message");
conn.connect(opts.jid, opts.password, (status, condition) => {
  const names = Object.fromEntries(Object.entries(Strophe.Status).map(([k, v]) => [v, k]));
  out({ status: names[status], condition: condition ?? null });
  if (status === Strophe.Status.CONNECTED) {
    out({ online: conn.jid, mechanism: conn._sasl_mechanism?.mechname ?? null });
    if (opts.send_to) conn.send($msg({ to: opts.send_to, type: "chat", id: "s1" }).c("body").t(opts.body));
  }
  if (status === Strophe.Status.DISCONNECTED) process.exit(0);
});
process.stdin.on("data", () => conn.disconnect());
