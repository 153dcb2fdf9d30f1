// The visitor's XMPP session, with strophe.js (npm): an anonymous login (SASL ANONYMOUS,
// XEP-0175) on the visitor host over WebSocket (RFC 7395), or over BOSH (XEP-0124/0206) when the
// WebSocket cannot be opened (a proxy that refuses the Upgrade). The URLs come from the site
// document, i.e. the installation that served the widget.
//
// Stream management (XEP-0198) on the WebSocket with strophe.js's own engine: <enable
// resume='true'/> after bind (§3), and after a dropped WebSocket the same session resumes
// (§5, <resume previd h/>): what the consultant sent meanwhile arrives once, and nothing is
// fetched again. The SM-ID and counters live in this page's memory only (strophe.js would keep
// them in sessionStorage): the conversation token is all the widget stores (issue 7), so a
// reload starts a new session and rejoins by the token.
import { Strophe, $iq, $msg, $pres, MemoryStorageBackend } from "strophe.js";

export { Strophe, $iq, $msg, $pres };
export const NS = "urn:xmppd:livechat:0";
export const DATA = "jabber:x:data";
export const UPLOAD = "urn:xmpp:http:upload:0";
export const CHATSTATES = "http://jabber.org/protocol/chatstates";
export const MUC_USER = "http://jabber.org/protocol/muc#user";
export const STANZA_ID = "urn:xmpp:sid:0";
export const DELAY = "urn:xmpp:delay";
export const MARKERS = "urn:xmpp:chat-markers:0";

// Connects (or, for a connection that was bound before, reconnects) `c`; resolves once it is
// bound or resumed, rejects when it cannot be. `onDisconnect` runs when a bound connection drops.
function open(c, domain, onDisconnect) {
  return new Promise((resolve, reject) => {
    let bound = false;
    c.connect(domain, null, (status, condition) => {
      const S = Strophe.Status;
      if (status === S.CONNECTED && !bound) {
        bound = true;
        resolve(c);
      } else if (!bound && [S.CONNFAIL, S.AUTHFAIL, S.DISCONNECTED, S.ERROR, S.CONNTIMEOUT].includes(status)) {
        bound = true;  // settled
        reject(new Error(condition || `status ${status}`));
      } else if (bound && status === S.DISCONNECTED) {
        onDisconnect();
      }
    });
  });
}

function attempt(url, domain, onDisconnect) {
  // strophe.js negotiates XEP-0198 on WebSocket only (BOSH's request ids already acknowledge).
  const c = new Strophe.Connection(url, {
    enableStreamManagement: true,
    streamManagement: { requestResume: true, storage: new MemoryStorageBackend() },
  });
  if (c.sm) {
    // A refused resumption (XEP-0198 §5 <failed/>) starts a new session on the same stream, where
    // the widget rejoins by its token and sends again only its messages that the room's history
    // does not have (bundle.js). strophe.js would re-send the old stream's unacknowledged
    // stanzas before that rejoin, where the room refuses them (the new session is no occupant yet).
    const failed = c.sm.onFailed.bind(c.sm);
    c.sm.onFailed = (view, resumeFailed) => {
      if (resumeFailed) c.sm._pendingResend = [];
      failed(view, resumeFailed);
    };
  }
  return open(c, domain, onDisconnect);
}

// After a dropped connection: the same WebSocket session again. Resolves with true when the
// server resumed it (XEP-0198 §5: nothing lost, nothing repeated, still in the room), false when
// it refused (the session was gone: timed out, server restarted) and a new one was bound
// instead, which must rejoin; rejects when the server cannot be reached or nothing is resumable.
export async function reconnect(session, domain, onDisconnect) {
  const c = session.conn;
  if (session.transport !== "websocket" || !c.sm) throw new Error("not resumable");
  await open(c, domain, onDisconnect);
  return c.hasResumed();
}

// Resolves with a bound connection ({conn, transport}); rejects when neither transport works.
// `origin`: where the widget came from; the document's paths are on it (docs/protocol.md).
export async function connect(doc, origin, onDisconnect) {
  const tries = [];
  const ws = new URL(doc.websocket || "/xmpp-websocket", origin);
  ws.protocol = ws.protocol === "https:" || ws.protocol === "wss:" ? "wss:" : "ws:";
  tries.push(["websocket", ws.href]);
  tries.push(["bosh", new URL(doc.bosh || "/http-bind", origin).href]);
  let last = null;
  for (const [transport, url] of tries) {
    let live = false;
    try {
      const conn = await attempt(url, doc.visitor_host, () => live && onDisconnect());
      live = true;
      return { conn, transport };
    } catch (e) {
      last = e;
    }
  }
  throw last || new Error("no transport");
}

// An IQ as a promise: the result stanza, or rejects with the error stanza (or a timeout).
export function iq(conn, stanza, timeout = 20000) {
  return new Promise((resolve, reject) => conn.sendIQ(stanza, resolve, (e) => reject(e || new Error("timeout")), timeout));
}

// XEP-0004 submit form of `formType` with the given fields (strings; empty ones left out).
export function form(builder, formType, fields) {
  builder.c("x", { xmlns: DATA, type: "submit" });
  builder.c("field", { var: "FORM_TYPE" }).c("value").t(formType).up().up();
  for (const [k, v] of Object.entries(fields)) {
    if (v === "" || v == null) continue;
    builder.c("field", { var: k }).c("value").t(String(v)).up().up();
  }
  return builder.up();
}

// The defined condition and text of an error stanza (RFC 6120 §8.3).
export function errorOf(stanza) {
  const err = stanza && stanza.getElementsByTagName ? stanza.getElementsByTagName("error")[0] : null;
  if (!err) return { condition: "timeout", text: "" };
  let condition = "undefined-condition";
  let text = "";
  for (const c of Array.from(err.children)) {
    if (c.tagName === "text") text = c.textContent;
    else if (c.namespaceURI === "urn:ietf:params:xml:ns:xmpp-stanzas") condition = c.tagName;
  }
  return { condition, text, type: err.getAttribute("type") };
}

export const child = (el, name, ns) =>
  Array.from(el.children || []).find((c) => c.tagName === name && (!ns || c.namespaceURI === ns || c.getAttribute("xmlns") === ns));
