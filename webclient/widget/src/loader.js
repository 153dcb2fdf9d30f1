// The widget loader (issue 7), on every page of the site: the launcher buttons (chat and the
// "handset" callback), and the invitation, in a shadow root with constructed style sheets (no
// inline style, so a host page's strict CSP does not break it; no global names).
//
// Privacy by default (DESIGN.md "Conversation flow" step 1): until the visitor acts, the loader
// opens no XMPP session and writes nothing in the browser. It reads the cookie-less site
// document (credentials omitted) to know whether a consultant is available, and only then, after
// the site's delay and on pages the site's rules allow, shows the invitation. The invitation
// never takes focus (WCAG 3.2.1 On Focus, 2.4.3 Focus Order), closes with Esc, and once dismissed
// stays dismissed for this page. The chat/callback bundle is fetched on the first click; a
// conversation token left by this site's open conversation (see bundle.js) brings it back at once.
import css from "./loader.css";
import { launcher as table } from "./strings.js";

(() => {
  const me = document.currentScript;
  if (!me || !me.src) return;
  const site = me.dataset.site || "";
  const base = new URL(".", me.src);
  const origin = base.origin;
  const pageLang = (me.dataset.lang || document.documentElement.lang || "pl").toLowerCase();
  const lang = pageLang.startsWith("en") ? "en" : "pl";
  const t = table[lang];
  const tokenKey = `xmppd-widget:${site}`;

  const svg = (d) => `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${d}"/></svg>`;
  const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 6v2h10V9zm0 4v2h7v-2z";
  const PHONE_ICON = "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z";

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v;
      else if (k === "icon") e.innerHTML = v;  // our constant SVG only, never text from anyone
      else e.setAttribute(k, v);
    }
    e.append(...children);
    return e;
  }

  const host = document.createElement("div");
  host.setAttribute("data-xmppd-widget", "");
  const shadow = host.attachShadow({ mode: "open" });  // open: assistive-technology checkers see in
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  shadow.adoptedStyleSheets = [sheet];

  const root = el("div", { class: "root", role: "region", "aria-label": t.region, lang });
  const chatButton = el("button", { class: "launcher", type: "button", id: "launch-chat", "aria-label": t.chat,
    title: t.chat, icon: svg(CHAT_ICON) });
  const callButton = el("button", { class: "launcher", type: "button", id: "launch-call", "aria-label": t.call,
    title: t.call, icon: svg(PHONE_ICON), hidden: "" });
  const status = el("p", { class: "note", role: "status", hidden: "" });
  const invite = el("section", { class: "invite", id: "invite", "aria-labelledby": "invite-title", hidden: "" });
  const greeting = el("p", { id: "invite-greeting" });
  const inviteChat = el("button", { class: "primary", type: "button", id: "invite-chat", text: t.inviteChat });
  const inviteCall = el("button", { class: "secondary", type: "button", id: "invite-call", text: t.inviteCall, hidden: "" });
  const inviteClose = el("button", { class: "x", type: "button", id: "invite-close", "aria-label": t.close, text: "×" });
  invite.append(el("h2", { id: "invite-title", text: t.inviteTitle }), greeting,
    el("div", { class: "actions" }, inviteChat, inviteCall), inviteClose);
  const slot = el("div", { class: "slot" });  // the bundle's panel goes here
  root.append(slot, invite, status, el("div", { class: "launchers" }, chatButton, callButton));
  shadow.append(root);

  let doc = null;
  let dismissed = false;
  let panelOpen = false;
  let bundle = null;

  async function fetchDocument() {
    // Cookie-less and never cached: whether someone can answer changes by the second.
    const res = await fetch(`${origin}/livechat/v0/site/${encodeURIComponent(site)}.json`,
      { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" });
    if (!res.ok) throw new Error(`site document: HTTP ${res.status}`);
    return res.json();
  }

  const queueOf = (d, name) => (d.queues || []).find((q) => q.name === name) || (d.queues || [])[0];
  const chatQueue = (d) => queueOf(d, d.chat_queue);
  const callQueue = (d) => queueOf(d, d.callback_queue || d.chat_queue);

  // The site's page rules: "+pattern" allows, "-pattern" forbids, '*' is any text; first match decides.
  function pageAllowed(rules) {
    for (const rule of rules || []) {
      const re = new RegExp("^" + rule.slice(1).split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
      if (re.test(location.pathname)) return rule[0] === "+";
    }
    return true;
  }

  function hideInvite() {
    invite.hidden = true;
    document.removeEventListener("keydown", onEscape);
  }
  function onEscape(e) {
    if (e.key === "Escape" && !invite.hidden) {
      dismissed = true;
      hideInvite();
    }
  }

  async function maybeInvite() {
    if (dismissed || panelOpen || !pageAllowed(doc.rules)) return;
    let fresh;
    try {
      fresh = await fetchDocument();
    } catch {
      return;
    }
    const q = chatQueue(fresh);
    if (!q || !q.available || q.open === false || q.mode === "offline" || dismissed || panelOpen) return;
    doc = fresh;
    greeting.textContent = (fresh.greeting && (fresh.greeting[lang] || fresh.greeting.pl)) || "";
    // Shown without moving focus: a screen reader finds it as a labelled region (WCAG 3.2.1).
    invite.hidden = false;
    host.dataset.invitedAt = String(Math.round(performance.now()));  // for tests: when, on the page's clock
    document.addEventListener("keydown", onEscape);
  }

  // One file of the bundle, by a script element to which the file hands its export (no global
  // name). Each file is evaluated in a task of its own (issue 7: no long task on the host page).
  function script(name) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL(name, base).href;
      s.async = true;
      s.xmppdWidget = resolve;
      s.onerror = () => {
        s.remove();
        reject(new Error("bundle"));
      };
      document.head.append(s);
    });
  }

  // The panel and strophe.js (with xmpp.js), fetched in parallel.
  function loadBundle() {
    if (!bundle) {
      bundle = Promise.all([script(BUNDLE_NAME), script(XMPP_BUNDLE_NAME)]).then(
        ([mount, xmpp]) => ({ mount, xmpp }),
        (e) => {
          bundle = null;
          throw e;
        });
    }
    return bundle;
  }

  // Lets the browser run other tasks (input, rendering) before the next step, so the window's
  // steps do not add up to one long task (issue 7): scheduler.yield() where there is one, else a
  // message to ourselves (a task, without setTimeout's clamping).
  function nextTask() {
    if (globalThis.scheduler && typeof scheduler.yield === "function") return scheduler.yield();
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
  }

  let panel = null;
  let lastMode = "chat";  // focus returns to the launcher that opened the window (WCAG 2.4.3)
  async function open(mode, resume) {
    lastMode = mode;
    hideInvite();
    dismissed = true;  // the visitor answered the invitation: it does not come back on this page
    panelOpen = true;
    status.hidden = false;
    status.textContent = t.loading;
    try {
      const { mount, xmpp } = await loadBundle();
      if (!doc) doc = await fetchDocument();
      if (!panel) {
        await nextTask();
        panel = mount({ shadow, slot, lang, doc, site, tokenKey, origin, xmpp, refresh: fetchDocument,
          onClose: () => { panelOpen = false; (lastMode === "call" ? callButton : chatButton).focus(); } });
      }
      await nextTask();  // the window's first render apart from building it
      status.hidden = true;
      panel.open(mode, resume);
    } catch {
      status.textContent = t.loadFailed;
      panelOpen = false;
    }
  }

  chatButton.addEventListener("click", () => open("chat"));
  callButton.addEventListener("click", () => open("call"));
  inviteChat.addEventListener("click", () => open("chat"));
  inviteCall.addEventListener("click", () => open("call"));
  inviteClose.addEventListener("click", () => {
    dismissed = true;
    hideInvite();
  });

  function start() {
    document.body.append(host);
    // An open conversation of this site (a reload, another tab): continue it right away; that
    // token exists only because the visitor started the conversation.
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(tokenKey) || "null");
    } catch {
      saved = null;
    }
    if (saved && saved.expires > Date.now()) open(saved.mode || "chat", saved);
    else if (saved) localStorage.removeItem(tokenKey);  // expired: gone (issue 7)
    fetchDocument().then((d) => {
      doc = doc || d;
      if (callQueue(d)) {
        callButton.hidden = false;
        inviteCall.hidden = false;
      }
      const q = chatQueue(d);
      const available = !!(q && q.available && q.open !== false && q.mode !== "offline");
      host.dataset.available = String(available);  // what the loader found (tests, the curious)
      if (!available) return;
      if (pageAllowed(d.rules)) setTimeout(maybeInvite, Math.max(0, d.invite_after_ms || 0));
      else host.dataset.invite = "off-by-page-rules";
    }).catch(() => {});
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
