// The chat / offline / callback window (issue 7), fetched by the loader on the visitor's first
// action. It speaks the livechat protocol (docs/protocol.md, urn:xmppd:livechat:0) over the
// visitor's anonymous XMPP session (xmpp.js, which comes in a file of its own, bundle-xmpp-<hash>.js,
// evaluated in its own task: the loader hands it over as `ctx.xmpp`).
//
// The only thing kept in the browser is the conversation token (with its room and an expiry), in
// localStorage under the site's key: the issue asks that a second tab of the same visitor
// continue the conversation, which sessionStorage (one tab) cannot give. It is written when the
// visitor starts a conversation and deleted when the conversation is closed, found unknown, or
// expires (two hours after the last message); forms keep nothing.
//
// Text from visitors and consultants is only ever put in the page as text nodes (links are
// built as elements with a checked http(s) href), never as HTML.
import css from "./panel.css";
import { panel as table, format } from "./strings.js";

const TOKEN_LIFETIME_MS = 2 * 60 * 60 * 1000;
const PAUSED_AFTER_MS = 5000;  // XEP-0085 §5.2: composing → paused after a few seconds idle

function mount(ctx) {
  const X = ctx.xmpp;
  const t = table[ctx.lang];
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  ctx.shadow.adoptedStyleSheets = [...ctx.shadow.adoptedStyleSheets, sheet];
  let doc = ctx.doc;
  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v == null) continue;
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    e.append(...children.filter((c) => c != null));
    return e;
  }

  // The window: a non-modal dialog with a heading and a close button; Esc closes it too.
  const title = el("h2", { id: "panel-title" });
  const closeButton = el("button", { class: "x", type: "button", id: "panel-close", "aria-label": t.close, text: "×",
    onclick: () => hide() });
  const body = el("div", { class: "body" });
  const panel = el("div", { class: "panel", id: "panel", role: "dialog", "aria-labelledby": "panel-title", hidden: true },
    el("div", { class: "head" }, title, closeButton), body);
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      hide();
    }
  });
  ctx.slot.append(panel);

  function hide() {
    panel.hidden = true;
    ctx.onClose();
  }

  function show(heading, ...content) {
    title.textContent = heading;
    body.replaceChildren(...content);
    compose.hidden = true;  // only the conversation has it (showChat)
    if (panel.hidden) settle();
    panel.hidden = false;
  }

  // The window opening: its first style and layout (the form controls' first in the page) are
  // left to the browser's next rendering step instead of being forced at once by focus() in the
  // task that built it, which made one long task of both (issue 7, bench/widget_latency). Until
  // then it is laid out but invisible; the element to focus gets focus as it becomes visible.
  let settling = null;  // while settling: true, or the element to focus then
  function settle() {
    settling = true;
    panel.dataset.settling = "";
    requestAnimationFrame(() => setTimeout(() => {
      delete panel.dataset.settling;
      const target = settling;
      settling = null;
      if (target !== true) target.focus();
    }, 0));
  }
  function focus(e) {
    if (settling) settling = e;
    else e.focus();
  }

  // --- the session --------------------------------------------------------------------------
  let session = null;  // {conn, transport}
  let connecting = null;
  function attach(s) {
    session = s;
    panel.dataset.transport = s.transport;
    // strophe.js drops every handler when a connection ends: installed again on each.
    s.conn.addHandler(onMessage, null, "message");
    s.conn.addHandler(onPresence, null, "presence");
    return s.conn;
  }
  function xmpp() {
    if (session) return Promise.resolve(session.conn);
    if (!connecting) {
      let s = null;
      connecting = X.connect(doc, ctx.origin, () => dropped(s)).then((got) => {
        s = got;
        connecting = null;
        return attach(got);
      }, (e) => {
        connecting = null;
        throw e;
      });
    }
    return connecting;
  }

  // A dropped connection that the widget did not end (the network, a proxy, the server): during
  // a conversation, the same session again by XEP-0198 §5 resumption while the server keeps it
  // (the SM window it gave, `max`): still in the room, what was sent meanwhile arrives once, no
  // history fetched again. Otherwise (refused, BOSH, window over) a new session that rejoins by
  // the token and catches up from the room's history.
  function dropped(s) {
    if (session !== s) return;  // one the widget let go (another window took over, a form done)
    session = null;
    if (!conversation || !elsewhere.hidden) return;
    const sm = s.conn.sm && s.conn.sm.state;
    const until = sm && sm.resumeSupported ? Date.now() + (sm.max || 0) * 1000 : 0;
    const before = statusLine.textContent;
    statusLine.textContent = t.connecting;
    comeBack(s, until, before, 0);
  }
  function comeBack(s, until, before, tries) {
    if (Date.now() >= until) {
      setTimeout(() => conversation && !session && !connecting && resume(conversation), 2000);
      return;
    }
    const again = X.reconnect(s, doc.visitor_host, () => dropped(s)).then(async (resumed) => {
      connecting = null;
      attach(s);
      if (resumed) statusLine.textContent = before;
      else await resume(conversation);  // refused: this is a new session, which rejoins
      return s.conn;
    });
    connecting = again;
    again.catch(() => {
      // Not reachable (still offline): again, a little later each time, within the window.
      if (connecting === again) connecting = null;
      if (!conversation || session || !elsewhere.hidden) return;
      const wait = Math.max(0, Math.min(1000 * 2 ** tries, 15000, until - Date.now()));
      setTimeout(() => !session && !connecting && comeBack(s, until, before, tries + 1), wait);
    });
  }

  // --- forms ------------------------------------------------------------------------------------
  // A labelled field with its hint and error line, tied together with aria-describedby.
  function field(id, label, kind, opts = {}) {
    const hintId = `${id}-hint`, errId = `${id}-err`;
    const attrs = { id, name: id, required: !!opts.required, "aria-describedby": `${opts.hint ? hintId : ""} ${errId}`.trim(),
      autocomplete: opts.autocomplete || "off", maxlength: opts.max };
    let input;
    if (kind === "textarea") input = el("textarea", attrs);
    else if (kind === "select") input = el("select", attrs, ...(opts.options || []));
    else input = el("input", { ...attrs, type: kind });
    const wrap = el("div", {},
      el("label", { for: id, text: label + (opts.required ? " " + t.required : "") }),
      input,
      opts.hint ? el("p", { class: "hint", id: hintId, text: opts.hint }) : null,
      el("p", { class: "err", id: errId, hidden: true }));
    // `key`: the form field's var, as the server names it in "key: explanation" errors.
    return { wrap, input, label, err: wrap.lastChild, key: opts.key || id };
  }

  function noticeBlock(prefix) {
    const notice = doc.notice || {};
    const ack = el("input", { type: "checkbox", id: `${prefix}-ack`, required: true, "aria-describedby": `${prefix}-ack-err` });
    const link = notice.url
      ? el("a", { href: notice.url, target: "_blank", rel: "noopener noreferrer", id: `${prefix}-notice`,
        text: format(t.notice, { version: notice.version || "—" }) })
      : null;
    const wrap = el("div", {}, link ? el("p", { class: "hint" }, link) : null,
      el("label", { class: "check", for: `${prefix}-ack` }, ack, el("span", { text: t.noticeAck })),
      el("p", { class: "err", id: `${prefix}-ack-err`, hidden: true }));
    return { wrap, input: ack, label: t.noticeAck, err: wrap.lastChild };
  }

  // Shows the errors (each under its field and in a summary that takes focus, WCAG 3.3.1).
  function showErrors(formEl, fields, errors) {
    for (const f of fields) {
      f.err.hidden = true;
      f.err.textContent = "";
      f.input.removeAttribute("aria-invalid");
    }
    const old = formEl.querySelector(".summary");
    if (old) old.remove();
    if (!errors.length) return true;
    const list = el("ul");
    for (const [f, text] of errors) {
      f.err.textContent = text;
      f.err.hidden = false;
      f.input.setAttribute("aria-invalid", "true");
      list.append(el("li", { text }));
    }
    const summary = el("div", { class: "summary", role: "alert", tabindex: "-1" }, el("p", { text: t.errorsTitle }), list);
    formEl.prepend(summary);
    errors[0][0].input.focus();
    return false;
  }

  const required = (f, errors) => {
    if (!f.input.value.trim()) errors.push([f, format(t.errRequired, { field: f.label })]);
  };
  const acknowledged = (f, errors) => {
    if (!f.input.checked) errors.push([f, t.errAck]);
  };

  function submitButton(text) {
    return el("button", { class: "primary", type: "submit", text });
  }

  function busy(formEl, on, note) {
    for (const b of formEl.querySelectorAll("button, input, textarea, select")) b.disabled = on;
    let s = formEl.querySelector(".busy");
    if (!s) {
      s = el("p", { class: "busy", role: "status" });
      formEl.append(s);
    }
    s.textContent = on ? note || t.connecting : "";
  }

  function done(heading, text) {
    const p = el("p", { class: "done", tabindex: "-1", role: "status", text });
    show(heading, p);
    focus(p);
  }

  // --- the chat join form ------------------------------------------------------------------------
  const queueOf = (name) => (doc.queues || []).find((q) => q.name === name) || (doc.queues || [])[0];

  function joinForm() {
    const topic = field("topic", t.topic, "textarea", { required: true, max: 1000 });
    const name = field("name", t.name, "text", { autocomplete: "given-name", max: 100 });
    // Optional: the only address the transcript can go to (docs/protocol.md).
    const email = field("join-email", t.emailOptional, "email", { autocomplete: "email", max: 254, key: "email" });
    const ack = noticeBlock("join");
    const fields = [topic, name, email, ack];
    const f = el("form", { id: "join-form", novalidate: true }, topic.wrap, name.wrap, email.wrap, ack.wrap, submitButton(t.start));
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const errors = [];
      required(topic, errors);
      if (email.input.value.trim() && !EMAIL.test(email.input.value.trim())) errors.push([email, t.errEmail]);
      acknowledged(ack, errors);
      if (!showErrors(f, fields, errors)) return;
      busy(f, true);
      try {
        const conn = await xmpp();
        const queue = queueOf(doc.chat_queue);
        const b = X.$iq({ type: "set", to: doc.service }).c("join", { xmlns: X.NS, queue: queue ? queue.name : "" });
        X.form(b, `${X.NS}#join`, { topic: topic.input.value.trim(), name: name.input.value.trim(),
          email: email.input.value.trim(), notice_version: (doc.notice || {}).version, notice_acknowledged: "true" });
        const res = await X.iq(conn, b.tree());
        const offline = res.getElementsByTagName("offline")[0];
        if (offline) return offlineForm(offline.getAttribute("reason"), offline.getAttribute("next_open"));
        const joined = res.getElementsByTagName("joined")[0];
        startConversation({ token: joined.getAttribute("token"), room: joined.getAttribute("room"),
          nick: joined.getAttribute("nick") }, joined.getAttribute("state"));
      } catch (err) {
        busy(f, false);
        serverError(f, fields, err, topic);
      }
    });
    show(t.chatTitle, f);
    focus(topic.input);
  }

  function serverError(f, fields, err, fallbackField) {
    if (err instanceof Error) return showErrors(f, fields, [[fallbackField, t.connectFailed]]);
    const e = X.errorOf(err);
    const offline = err.getElementsByTagName && err.getElementsByTagName("offline")[0];
    if (offline) return offlineForm(offline.getAttribute("reason"), offline.getAttribute("next_open"));
    // "field: explanation" names the field the server refused (docs/protocol.md).
    const m = /^(\w+):\s*(.*)$/.exec(e.text || "");
    const target = (m && fields.find((x) => x.key === m[1])) || fallbackField;
    // Our own words for what the visitor can fix; the server's (English) text otherwise.
    const own = { phone: t.errPhoneServer, email: t.errEmail, slot: t.errSlot }[target.key];
    showErrors(f, fields, [[target, m && own ? own : format(t.errServer, { text: (m ? m[2] : e.text) || e.condition })]]);
  }

  // --- offline form (ticket) ---------------------------------------------------------------------
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  function offlineForm(reason, nextOpen) {
    const name = field("off-name", t.nameCall, "text", { autocomplete: "name", max: 200, key: "name" });
    const email = field("off-email", t.email, "email", { required: true, autocomplete: "email", max: 254, key: "email" });
    const question = field("off-question", t.question, "textarea", { required: true, max: 4000, key: "question" });
    const ack = noticeBlock("off");
    const fields = [name, email, question, ack];
    let intro = reason === "closed" ? t.offlineClosed : t.offlineIntro;
    if (nextOpen) intro += " " + format(t.nextOpen, { time: when(nextOpen) });
    const f = el("form", { id: "offline-form", novalidate: true }, el("p", { id: "offline-intro", text: intro }),
      name.wrap, email.wrap, question.wrap, ack.wrap, submitButton(t.sendTicket));
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const errors = [];
      required(email, errors);
      if (email.input.value.trim() && !EMAIL.test(email.input.value.trim())) errors.push([email, t.errEmail]);
      required(question, errors);
      acknowledged(ack, errors);
      if (!showErrors(f, fields, errors)) return;
      busy(f, true);
      try {
        const conn = await xmpp();
        const queue = queueOf(doc.chat_queue);
        const b = X.$iq({ type: "set", to: doc.service }).c("ticket", { xmlns: X.NS, queue: queue ? queue.name : "" });
        X.form(b, `${X.NS}#ticket`, { name: name.input.value.trim(), email: email.input.value.trim(),
          question: question.input.value.trim(), notice_version: (doc.notice || {}).version, notice_acknowledged: "true" });
        const res = await X.iq(conn, b.tree());
        const ticket = res.getElementsByTagName("ticket")[0];
        done(t.offlineTitle, format(t.ticketDone, { id: ticket ? ticket.getAttribute("id") : "—", email: email.input.value.trim() }));
        finishForm();
      } catch (err) {
        busy(f, false);
        serverError(f, fields, err, question);
      }
    });
    show(t.offlineTitle, f);
    focus(name.input);
  }

  // A form's session ends with the form: nothing of it is kept.
  function finishForm() {
    if (!conversation && session) session.conn.disconnect();
  }

  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return new Intl.DateTimeFormat(ctx.lang === "en" ? "en-GB" : "pl-PL",
      { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }).format(d);
  }

  // --- callback form ("handset") -----------------------------------------------------------------
  const PHONE = /^\+?[0-9][0-9 ()-]{5,20}$/;
  const digits = (s) => s.replace(/\D/g, "").length;

  async function callForm() {
    show(t.callTitle, el("p", { role: "status", text: t.connecting }));
    const queue = queueOf(doc.callback_queue || doc.chat_queue);
    let slots = [];
    try {
      const conn = await xmpp();
      const res = await X.iq(conn, X.$iq({ type: "get", to: doc.service }).c("slots", { xmlns: X.NS, queue: queue ? queue.name : "" }).tree());
      slots = Array.from(res.getElementsByTagName("slot")).map((s) => ({ start: s.getAttribute("start"), end: s.getAttribute("end") }));
    } catch (err) {
      if (err instanceof Error) return show(t.callTitle, el("p", { role: "alert", text: t.connectFailed }));
      // No slots from the server (e.g. not offered yet): the form still takes the request.
    }
    const name = field("call-name", t.nameCall, "text", { autocomplete: "name", max: 200, key: "name" });
    const phone = field("call-phone", t.phone, "tel", { required: true, autocomplete: "tel", hint: t.phoneHint, max: 30, key: "phone" });
    const options = slots.length
      ? slots.map((s) => el("option", { value: s.start, text: `${when(s.start)}` }))
      : [el("option", { value: "", text: t.slotNone })];
    const slot = field("call-slot", t.slot, "select", { options, key: "slot" });
    const topic = field("call-topic", t.callTopic, "textarea", { max: 1000, key: "topic" });
    const ack = noticeBlock("call");
    const fields = [name, phone, slot, topic, ack];
    const f = el("form", { id: "call-form", novalidate: true }, name.wrap, phone.wrap, slot.wrap, topic.wrap, ack.wrap,
      submitButton(t.sendCall));
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const errors = [];
      const number = phone.input.value.trim();
      required(phone, errors);
      if (number && (!PHONE.test(number) || digits(number) < 9 || digits(number) > 15)) errors.push([phone, t.errPhone]);
      acknowledged(ack, errors);
      if (!showErrors(f, fields, errors)) return;
      busy(f, true);
      try {
        const conn = await xmpp();
        const b = X.$iq({ type: "set", to: doc.service }).c("callback", { xmlns: X.NS, queue: queue ? queue.name : "" });
        X.form(b, `${X.NS}#callback`, { name: name.input.value.trim(), phone: number, slot: slot.input.value,
          topic: topic.input.value.trim(), notice_version: (doc.notice || {}).version, notice_acknowledged: "true" });
        const res = await X.iq(conn, b.tree());
        const cb = res.getElementsByTagName("callback")[0];
        const chosen = (cb && cb.getAttribute("slot")) || slot.input.value;
        done(t.callTitle, format(t.callDone, { phone: number, slot: chosen ? when(chosen) : "—", id: cb ? cb.getAttribute("id") : "—" }));
        finishForm();
      } catch (err) {
        busy(f, false);
        serverError(f, fields, err, phone);
      }
    });
    show(t.callTitle, f);
    focus(name.input);
  }

  // --- the conversation ------------------------------------------------------------------------
  let conversation = null;  // {token, room, nick}
  let seen = new Set();     // stanza-ids (XEP-0359) already shown: history after a rejoin repeats them
  // The visitor's messages that the room has not reflected yet (XEP-0045 §7.4), by id: after a
  // rejoin, those that the room's history did not bring back either are sent again, once.
  const unconfirmed = new Map();
  let consultants = new Set();
  let typingTimer = null;
  let composing = false;
  let unread = 0;
  const baseTitle = document.title;
  const log = el("ol", { class: "log", id: "log", "aria-label": t.messages, "aria-live": "polite", "aria-relevant": "additions" });
  const statusLine = el("p", { class: "status", id: "chat-status", role: "status" });
  const typing = el("p", { class: "typing", id: "typing", "aria-live": "polite" });
  const text = el("textarea", { id: "message", "aria-label": t.message, rows: "2", maxlength: "4000" });
  const sendButton = el("button", { class: "primary", type: "submit", id: "send", text: t.send });
  const fileInput = el("input", { type: "file", id: "file", "aria-describedby": "file-limit" });
  const fileLimit = el("p", { class: "hint", id: "file-limit" });
  // "End chat" asks first (WCAG 3.3.4: an action that cannot be undone is confirmed).
  const endNo = el("button", { class: "secondary", type: "button", id: "end-no", text: t.endNo });
  const endAsk = el("div", { class: "row", id: "end-ask", role: "group", "aria-labelledby": "end-ask-q", hidden: true },
    el("p", { id: "end-ask-q", text: t.endAsk }),
    el("button", { class: "primary", type: "button", id: "end-yes", text: t.endYes, onclick: () => leave() }), endNo);
  const endButton = el("button", { class: "secondary", type: "button", id: "end", text: t.ended,
    onclick: () => { endAsk.hidden = false; endNo.focus(); } });
  endNo.addEventListener("click", () => { endAsk.hidden = true; endButton.focus(); });
  const compose = el("form", { class: "compose", id: "compose" },
    el("div", { class: "row" }, text, sendButton),
    el("div", {}, el("label", { for: "file", text: t.file }), fileInput, fileLimit),
    el("div", { class: "row" }, endButton), endAsk);
  // The consultant's public profile (docs/protocol.md): first name and workplace; full name,
  // title and photo only when the consultant consented.
  const consultantCard = el("div", { class: "card", id: "consultant", hidden: true });
  const chatView = el("div", { id: "chat" }, consultantCard, statusLine, log, typing);

  function showProfile(p) {
    const a = (k) => p.getAttribute(k) || "";
    if (!a("first_name")) return;
    const photo = X.child(p, "photo", X.NS);
    const type = photo && photo.getAttribute("type");
    const img = photo && /^image\/(png|jpeg|webp|gif)$/.test(type)
      ? el("img", { src: `data:${type};base64,${photo.textContent.replace(/\s/g, "")}`, alt: "", width: "48", height: "48" })
      : el("span", { class: "initials", "aria-hidden": "true", text: a("initials") });
    consultantCard.replaceChildren(img, el("div", {},
      el("p", { class: "name", id: "consultant-name", text: a("full_name") || a("first_name") }),
      a("title") ? el("p", { class: "hint", id: "consultant-title", text: a("title") }) : null,
      a("workplace") ? el("p", { class: "hint", id: "consultant-workplace", text: a("workplace") }) : null));
    consultantCard.hidden = false;
  }
  const elsewhere = el("p", { id: "elsewhere", hidden: true }, el("span", { text: t.elsewhere + " " }),
    el("button", { class: "secondary", type: "button", id: "continue", text: t.continueHere, onclick: () => resume(conversation) }));

  const human = (n) => n >= 1048576 ? `${Math.round(n / 104857.6) / 10} MB` : `${Math.round(n / 1024)} kB`;

  function showChat() {
    const max = (doc.upload || {}).max_bytes || 0;
    fileLimit.textContent = max ? format(t.fileLimit, { size: human(max) }) : "";
    show(t.chatTitle, chatView, elsewhere);
    if (!panel.contains(compose)) panel.append(compose);
    compose.hidden = false;
  }

  function save() {
    if (!conversation) return;
    localStorage.setItem(ctx.tokenKey, JSON.stringify({ mode: "chat", token: conversation.token, room: conversation.room,
      nick: conversation.nick, expires: Date.now() + TOKEN_LIFETIME_MS }));
  }
  function forget() {
    localStorage.removeItem(ctx.tokenKey);
  }

  function startConversation(c, state) {
    conversation = c;
    ended = null;
    consultantCard.hidden = true;
    const old = chatView.querySelector("#feedback");
    if (old) old.remove();
    save();
    showChat();
    statusLine.textContent = state === "active" ? "" : t.waiting;
    focus(text);
  }

  async function resume(saved) {
    conversation = { token: saved.token, room: saved.room, nick: saved.nick };
    elsewhere.hidden = true;
    showChat();
    statusLine.textContent = t.connecting;
    try {
      const conn = await xmpp();
      const res = await X.iq(conn, X.$iq({ type: "set", to: doc.service }).c("rejoin", { xmlns: X.NS, token: saved.token }).tree());
      const joined = res.getElementsByTagName("joined")[0];
      conversation.room = joined.getAttribute("room");
      conversation.nick = joined.getAttribute("nick");
      save();
      // The history (XEP-0045 §7.2.15) came with the rejoin, before its result; what it did not
      // have of ours never reached the room.
      for (const stanza of unconfirmed.values()) conn.send(stanza);
      const active = joined.getAttribute("state") === "active";
      statusLine.textContent = active ? "" : t.waiting;
      if (active) {
        X.iq(conn, X.$iq({ type: "get", to: doc.service }).c("profile", { xmlns: X.NS, token: saved.token }).tree())
          .then((r) => showProfile(r.getElementsByTagName("profile")[0]), () => {});
      }
    } catch (err) {
      if (err instanceof Error) {
        statusLine.textContent = t.connectFailed;
        return;
      }
      // item-not-found: the conversation was closed meanwhile.
      conversation = null;
      forget();
      compose.hidden = true;
      statusLine.textContent = t.unknownConversation;
    }
  }

  function linkify(s) {
    const out = document.createDocumentFragment();
    const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/gi;
    let last = 0;
    for (const m of s.matchAll(re)) {
      out.append(document.createTextNode(s.slice(last, m.index)));
      let href = null;
      try {
        const u = new URL(m[0]);
        if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
      } catch { /* not a URL: stays text */ }
      out.append(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow ugc", text: m[0] }) : document.createTextNode(m[0]));
      last = m.index + m[0].length;
    }
    out.append(document.createTextNode(s.slice(last)));
    return out;
  }

  function addLine(cls, who, content, id) {
    const li = el("li", { class: cls, "data-id": id });
    if (who) li.append(el("span", { class: "who", text: who }));
    li.append(content);
    log.append(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }
  const info = (s) => addLine("info", "", document.createTextNode(s));

  // A new message while the tab is hidden: the title counts them and a short tone sounds.
  function notify() {
    if (!document.hidden) return;
    unread++;
    document.title = `(${unread}) ${t.newMessage} – ${baseTitle}`;
    try {
      const ac = notify.ac || (notify.ac = new AudioContext());
      const o = ac.createOscillator();
      const g = ac.createGain();
      o.frequency.value = 880;
      g.gain.value = 0.08;
      o.connect(g).connect(ac.destination);
      o.start();
      o.stop(ac.currentTime + 0.15);
    } catch { /* no audio: the title says it */ }
  }
  // XEP-0333 §3 read state: `displayed` for the newest message seen, in the room, referencing
  // the room's stanza-id (§4: in a MUC the id the room gave); sent once the tab is visible.
  let toMark = null;
  function markDisplayed(id) {
    toMark = id;
    if (document.hidden || !session || !conversation) return;
    session.conn.send(X.$msg({ to: conversation.room, type: "groupchat" }).c("displayed", { xmlns: X.MARKERS, id }).tree());
    toMark = null;
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unread = 0;
      document.title = baseTitle;
      if (toMark) markDisplayed(toMark);
    }
  });

  const bare = (jid) => (jid || "").split("/")[0];
  const resourceOf = (jid) => {
    const i = (jid || "").indexOf("/");
    return i < 0 ? "" : jid.slice(i + 1);
  };

  function onMessage(m) {
    const from = m.getAttribute("from") || "";
    const queueInfo = X.child(m, "queue", X.NS);
    if (queueInfo && conversation) {
      statusLine.textContent = format(t.queued, { position: queueInfo.getAttribute("position") });
      return true;
    }
    const profile = X.child(m, "profile", X.NS);
    if (profile && conversation) {
      showProfile(profile);
      return true;
    }
    const closed = X.child(m, "closed", X.NS);
    if (closed) {
      closedConversation(closed);
      return true;
    }
    if (!conversation || bare(from) !== conversation.room || m.getAttribute("type") !== "groupchat") return true;
    const nick = resourceOf(from);
    if (!nick) return true;  // the room itself (subject and the like)
    const mine = nick === conversation.nick;
    const states = Array.from(m.children).filter((c) => c.namespaceURI === X.CHATSTATES);
    if (!mine && states.length) typing.textContent = states[0].tagName === "composing" ? format(t.typing, { name: nick }) : "";
    const sid = Array.from(m.getElementsByTagName("stanza-id")).find((s) => s.getAttribute("by") === conversation.room);
    // XEP-0333 §3: the consultant has seen our message with this id (and those before it).
    const marker = X.child(m, "displayed", X.MARKERS);
    if (marker && !mine) {
      const mark = marker.getAttribute("id");
      const items = Array.from(log.querySelectorAll("li.mine"));
      const upto = items.findIndex((li) => li.dataset.sid === mark || li.dataset.id === mark);
      for (const li of items.slice(0, upto + 1)) li.querySelector(".state").textContent = t.read;
    }
    const bodyEl = X.child(m, "body");
    if (!bodyEl) return true;
    const key = sid ? sid.getAttribute("id") : `${nick}|${bodyEl.textContent}|${(m.getElementsByTagName("delay")[0] || {}).getAttribute?.("stamp")}`;
    if (seen.has(key)) return true;
    seen.add(key);
    const id = m.getAttribute("id");
    if (mine && id) {
      const pending = log.querySelector(`li[data-id="${CSS.escape(id)}"]`);
      if (pending) {
        unconfirmed.delete(id);
        if (sid) pending.dataset.sid = sid.getAttribute("id");
        const st = pending.querySelector(".state");
        if (st.textContent !== t.read) st.textContent = t.delivered;
        return true;
      }
    }
    if (!mine) typing.textContent = "";
    const li = addLine(mine ? "mine" : "theirs", mine ? t.you : nick, linkify(bodyEl.textContent), id);
    if (sid) li.dataset.sid = sid.getAttribute("id");
    if (mine) li.append(el("span", { class: "state", text: t.delivered }));
    else if (!X.child(m, "delay", X.DELAY)) {
      notify();
      if (sid) markDisplayed(sid.getAttribute("id"));
    }
    if (conversation) save();
    return true;
  }

  function onPresence(p) {
    const from = p.getAttribute("from") || "";
    if (!conversation || bare(from) !== conversation.room) return true;
    const nick = resourceOf(from);
    const x = X.child(p, "x", X.MUC_USER);
    const codes = x ? Array.from(x.getElementsByTagName("status")).map((s) => s.getAttribute("code")) : [];
    const gone = p.getAttribute("type") === "unavailable";
    if (x && x.getElementsByTagName("destroy")[0]) {
      if (!leaving) closedConversation(null);
      return true;
    }
    if (codes.includes("110") || nick === conversation.nick) {
      // Our own occupant left without us asking: the conversation moved to another window.
      if (gone && conversation) {
        elsewhere.hidden = false;
        compose.hidden = true;
        if (session) {
          const s = session;
          session = null;
          connecting = null;
          s.conn.disconnect();
        }
      }
      return true;
    }
    if (gone && consultants.delete(nick)) info(format(t.leftBy, { name: nick }));
    else if (!gone && !consultants.has(nick)) {
      consultants.add(nick);
      statusLine.textContent = "";
      info(format(t.joinedBy, { name: nick }));
    }
    return true;
  }

  // The end, by either side: the token is forgotten in the browser at once and kept in memory
  // only while the visitor may still rate and ask for the transcript (docs/protocol.md).
  let ended = null;  // {token, notice shown}
  function closedConversation(notice, own) {
    if (conversation) {
      ended = { token: conversation.token, shown: false };
      conversation = null;
      forget();
      compose.hidden = true;
      endAsk.hidden = true;
      typing.textContent = "";
      info(own || t.closed);
    }
    // The destroy presence comes first; the service's <closed/> (or <left/>) says what may follow.
    if (notice && ended && !ended.shown) {
      ended.shown = true;
      feedbackView(notice);
    }
  }

  let leaving = false;
  async function leave() {
    if (!conversation || leaving) return;
    leaving = true;
    const token = conversation.token;
    const waiting = !consultants.size;
    try {
      const conn = await xmpp();
      const res = await X.iq(conn, X.$iq({ type: "set", to: doc.service }).c("leave", { xmlns: X.NS, token }).tree());
      const left = res.getElementsByTagName("left")[0];
      closedConversation(left, left.getAttribute("by") === "visitor_cancelled" ? t.cancelled : t.endedByYou);
    } catch (err) {
      // gone: it was closed meanwhile; the <closed/> notice shows the rest.
      closedConversation(null, waiting ? t.cancelled : t.endedByYou);
    }
    leaving = false;
  }

  // Rating (once) and the transcript (once, only when the form gave an address).
  function feedbackView(notice) {
    const token = ended.token;
    const status = el("p", { class: "status", id: "feedback-status", role: "status" });
    const box = el("div", { id: "feedback" });
    const finish = () => {
      if (!box.querySelector("form, #transcript") && session) {
        ended = null;
        session.conn.disconnect();
      }
    };
    const failed = (err, twice) => {
      const e = X.errorOf(err);
      status.textContent = e.condition === "conflict" ? twice : e.condition === "not-allowed" ? t.rateLate
        : format(t.feedbackFailed, { text: e.text || e.condition });
    };
    if (notice.getAttribute("rating") === "none") {
      const radios = [1, 2, 3, 4, 5].map((n) => el("label", { class: "check", for: `rate-${n}` },
        el("input", { type: "radio", name: "rating", id: `rate-${n}`, value: String(n) }),
        el("span", { text: format(t.rateValue, { n }) })));
      const comment = field("rate-comment", t.rateComment, "textarea", { max: 2000 });
      const f = el("form", { id: "rate-form", novalidate: true },
        el("fieldset", {}, el("legend", { text: t.rateTitle }), ...radios), comment.wrap, submitButton(t.rateSend));
      f.addEventListener("submit", async (e) => {
        e.preventDefault();
        const chosen = f.querySelector("input[name=rating]:checked");
        if (!chosen) {
          status.textContent = t.errRate;
          return f.querySelector("input[name=rating]").focus();
        }
        busy(f, true, " ");
        try {
          const conn = await xmpp();
          const stanza = X.$iq({ type: "set", to: doc.service }).c("rate", { xmlns: X.NS, token, rating: chosen.value });
          if (comment.input.value.trim()) stanza.c("comment").t(comment.input.value.trim());
          await X.iq(conn, stanza.tree());
          status.textContent = t.rateThanks;
        } catch (err) {
          failed(err, t.rateTwice);
        }
        f.remove();
        finish();
      });
      box.append(f);
    }
    if (notice.getAttribute("transcript") === "available") {
      const button = el("button", { class: "secondary", type: "button", id: "transcript", text: t.transcript });
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const conn = await xmpp();
          await X.iq(conn, X.$iq({ type: "set", to: doc.service }).c("transcript", { xmlns: X.NS, token }).tree());
          status.textContent = t.transcriptDone;
        } catch (err) {
          failed(err, t.transcriptTwice);
        }
        button.remove();
        finish();
      });
      box.append(button);
    }
    box.append(status);
    chatView.append(box);
    const first = box.querySelector("input, button");
    if (first) focus(first);
    else finish();
  }

  function sendState(state) {
    if (!session || !conversation) return;
    session.conn.send(X.$msg({ to: conversation.room, type: "groupchat" }).c(state, { xmlns: X.CHATSTATES }).tree());
  }

  text.addEventListener("input", () => {
    if (!composing) {
      composing = true;
      sendState("composing");
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      composing = false;
      sendState("paused");
    }, PAUSED_AFTER_MS);
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      compose.requestSubmit();
    }
  });

  function sendBody(bodyText, extra) {
    const id = nextId("w") + Math.random().toString(36).slice(2, 8);
    // XEP-0333 §4: markable, so the consultant's client may say it was displayed.
    const stanza = X.$msg({ to: conversation.room, type: "groupchat", id }).c("body").t(bodyText).up()
      .c("active", { xmlns: X.CHATSTATES }).up().c("markable", { xmlns: X.MARKERS }).up();
    if (extra) extra(stanza);
    const tree = stanza.tree();
    unconfirmed.set(id, tree);
    session.conn.send(tree);
    const li = addLine("mine", t.you, linkify(bodyText), id);
    li.append(el("span", { class: "state", text: t.sending }));
    composing = false;
    clearTimeout(typingTimer);
    save();
  }

  compose.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value || !conversation) return;
    await xmpp();
    sendBody(value);
    text.value = "";
    focus(text);
  });

  // XEP-0363: a slot from the upload host, the PUT, then the GET URL as a message (with
  // XEP-0066 out-of-band data so clients show it as a file).
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file || !conversation) return;
    const max = (doc.upload || {}).max_bytes || 0;
    if (max && file.size > max) {
      info(format(t.fileTooBig, { name: file.name, size: human(max) }));
      fileInput.value = "";
      return;
    }
    const note = info(format(t.fileSending, { name: file.name }));
    try {
      const conn = await xmpp();
      const type = file.type || "application/octet-stream";
      const res = await X.iq(conn, X.$iq({ type: "get", to: doc.upload.host })
        .c("request", { xmlns: X.UPLOAD, filename: file.name, size: file.size, "content-type": type }).tree());
      const put = res.getElementsByTagName("put")[0];
      const get = res.getElementsByTagName("get")[0].getAttribute("url");
      const headers = { "Content-Type": type };
      for (const h of put.getElementsByTagName("header")) headers[h.getAttribute("name")] = h.textContent;
      const r = await fetch(put.getAttribute("url"), { method: "PUT", headers, body: file, credentials: "omit" });
      if (r.status !== 201) throw new Error(`HTTP ${r.status}`);
      note.remove();
      sendBody(get, (s) => s.c("x", { xmlns: "jabber:x:oob" }).c("url").t(get).up().up());
    } catch {
      note.textContent = format(t.fileFailed, { name: file.name });
    }
    fileInput.value = "";
  });

  return {
    async open(mode, saved) {
      if (mode === "call") return callForm();
      if (conversation) {
        showChat();
        return focus(text);
      }
      if (saved && saved.token) return resume(saved);
      try {
        doc = await ctx.refresh();
      } catch { /* keep the document we have */ }
      // docs/protocol.md "Queues": `mode` offline (closed, or nobody available, and the queue
      // takes tickets) means the offline form; otherwise the visitor joins and waits its turn.
      const q = queueOf(doc.chat_queue);
      if (q && q.mode === "offline") offlineForm(q.open === false ? "closed" : "nobody", q.next_open);
      else joinForm();
    },
  };
}

document.currentScript.xmppdWidget(mount);
