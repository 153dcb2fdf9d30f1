// The demo page's client: strophe.js (npm) over WebSocket, BOSH when the WebSocket fails.
// The connection URLs come from XEP-0156 discovery (/.well-known/host-meta.json of this origin);
// `?transport=bosh` skips the WebSocket. The page state is in the DOM (#status, #messages) so a
// person, or a test driving Chromium, sees what happened. A BOSH session survives a reload of the
// page: strophe.js keeps its sid and rid in sessionStorage (`keepalive`) and the new page carries
// on with the next rid (XEP-0124 §9: the session lives on while requests keep coming within the
// inactivity window); a WebSocket session ends with its page.
"use strict";
(() => {
  const lib = window.Strophe && window.Strophe.Strophe ? window.Strophe : { Strophe: window.Strophe, $msg: window.$msg, $iq: window.$iq };
  const { Strophe, $msg, $iq } = lib;
  const $ = (id) => document.getElementById(id);
  const UPLOAD_NS = "urn:xmpp:http:upload:0";
  let conn = null;

  const setStatus = (text) => { $("status").textContent = text; };
  const show = (from, text) => {
    const li = document.createElement("li");
    li.textContent = `${from}: ${text}`;
    $("messages").append(li);
  };

  // XEP-0156 §3.2: the JSON host-meta of this origin.
  async function discover() {
    const res = await fetch("/.well-known/host-meta.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`host-meta: HTTP ${res.status}`);
    const links = (await res.json()).links || [];
    const href = (rel) => (links.find((l) => l.rel === rel) || {}).href;
    return { websocket: href("urn:xmpp:alt-connections:websocket"), bosh: href("urn:xmpp:alt-connections:xbosh") };
  }

  // One login attempt over `url`; resolves with the connection once bound, rejects otherwise.
  function login(url, jid, password) {
    return new Promise((resolve, reject) => {
      const c = new Strophe.Connection(url, { keepalive: true });
      if (new URLSearchParams(location.search).has("debug")) {
        c.rawInput = (data) => console.log(`in: ${data}`);
        c.rawOutput = (data) => console.log(`out: ${data}`);
      }
      let done = false;
      c.connect(jid, password, (status, condition) => {
        if (status === Strophe.Status.CONNECTED && !done) {
          done = true;
          resolve(c);
        } else if (!done && (status === Strophe.Status.CONNFAIL || status === Strophe.Status.AUTHFAIL ||
                             status === Strophe.Status.DISCONNECTED || status === Strophe.Status.ERROR)) {
          done = true;
          reject(new Error(condition || `status ${status}`));
        } else if (done && status === Strophe.Status.DISCONNECTED) {
          setStatus("disconnected");
        }
      });
    });
  }

  async function connect(event) {
    event.preventDefault();
    const jidInput = $("jid").value.trim();
    const guest = $("guest").value.trim() || `guest.${location.hostname}`;
    const jid = jidInput || guest;  // a bare domain: SASL ANONYMOUS (XEP-0175)
    const password = jidInput ? $("password").value : "";
    setStatus("discovering…");
    let urls;
    try {
      urls = await discover();
    } catch (e) {
      setStatus(`discovery failed: ${e.message}`);
      return;
    }
    const forceBosh = new URLSearchParams(location.search).get("transport") === "bosh";
    const attempts = [];
    if (urls.websocket && !forceBosh) attempts.push(["websocket", urls.websocket]);
    if (urls.bosh) attempts.push(["bosh", urls.bosh]);
    for (const [transport, url] of attempts) {
      setStatus(`connecting over ${transport}…`);
      try {
        conn = await login(url, jid, password);
        setStatus(`connected as ${conn.jid} over ${transport}`);
        ready(transport);
        conn.send($pres());
        return;
      } catch (e) {
        setStatus(`${transport} failed: ${e.message}`);
      }
    }
    if (!conn) setStatus(attempts.length ? "could not connect" : "no connection method discovered");
  }

  // The connection is bound: show incoming messages, offer the message form.
  function ready(transport) {
    document.body.dataset.transport = transport;
    conn.addHandler((m) => {
      const body = m.getElementsByTagName("body")[0];
      if (body) show(Strophe.getBareJidFromJid(m.getAttribute("from")), body.textContent);
      return true;
    }, null, "message");
    $("send").hidden = false;
  }

  // After a reload: the BOSH session the previous page kept, if the server still has it.
  async function restore() {
    if (!window.sessionStorage.getItem("strophe-bosh-session")) return;
    let urls;
    try {
      urls = await discover();
    } catch (e) {
      return;
    }
    if (!urls.bosh) return;
    const c = new Strophe.Connection(urls.bosh, { keepalive: true });
    try {
      c.restore(undefined, (status) => {
        if (status === Strophe.Status.ATTACHED) {
          conn = c;
          setStatus(`restored as ${conn.jid} over bosh`);
          ready("bosh");
        } else if (status === Strophe.Status.DISCONNECTED && conn === c) {
          setStatus("disconnected");
        }
      });
    } catch (e) {
      window.sessionStorage.removeItem("strophe-bosh-session");  // strophe's SessionError: nothing to restore
    }
  }

  function $pres() { return window.$pres ? window.$pres() : lib.$pres(); }

  function send(event) {
    event.preventDefault();
    const to = $("to").value.trim();
    const body = $("body").value;
    if (!conn || !to || !body) return;
    conn.send($msg({ to, type: "chat" }).c("body").t(body));
    show("me", body);
    $("body").value = "";
  }

  // XEP-0363: a slot from upload.<domain>, the PUT, then the GET URL sent as a message.
  async function upload() {
    const file = $("file").files[0];
    const to = $("to").value.trim();
    if (!conn || !file || !to) return;
    const domain = Strophe.getDomainFromJid(conn.jid).replace(/^guest\./, "");
    const request = $iq({ type: "get", to: `upload.${domain}` })
      .c("request", { xmlns: UPLOAD_NS, filename: file.name, size: file.size, "content-type": file.type || "application/octet-stream" });
    setStatus("asking for an upload slot…");
    conn.sendIQ(request, async (result) => {
      const put = result.getElementsByTagName("put")[0];
      const get = result.getElementsByTagName("get")[0];
      const headers = { "Content-Type": file.type || "application/octet-stream" };
      for (const h of put.getElementsByTagName("header")) headers[h.getAttribute("name")] = h.textContent;
      try {
        const res = await fetch(put.getAttribute("url"), { method: "PUT", headers, body: file });
        if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
        conn.send($msg({ to, type: "chat" }).c("body").t(get.getAttribute("url")).up()
          .c("x", { xmlns: "jabber:x:oob" }).c("url").t(get.getAttribute("url")));
        show("me", get.getAttribute("url"));
        setStatus(`uploaded ${file.name}`);
      } catch (e) {
        setStatus(`upload failed: ${e.message}`);
      }
    }, (error) => {
      const cond = error.querySelector("error > *");
      setStatus(`upload refused: ${cond ? cond.tagName : "error"}`);
    });
  }

  $("login").addEventListener("submit", connect);
  $("send").addEventListener("submit", send);
  $("upload-button").addEventListener("click", upload);
  restore();
})();
