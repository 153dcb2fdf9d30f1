# The visitor's chat widget (webclient/widget, issue 7) in headless Chromium (Debian's chromium,
# playwright-core) on a page of the customer's site on another origin with a strict CSP, against
# a running xmppd and a consultant driven by slixmpp:
# - the loader opens no session and stores nothing before the visitor acts; with nobody
#   available the invitation stays away; with the consultant available it opens after the site's
#   delay, with the site's greeting, without taking focus (WCAG 3.2.1, 2.4.3);
# - the visitor joins (docs/protocol.md join form, notice version), the consultant gets the offer
#   and joins (XEP-0045), messages flow both ways, links are clickable elements (never HTML),
#   typing is shown (XEP-0085), a file goes through XEP-0363 and the consultant downloads it;
# - a reload continues by the token (<rejoin/>) with the history once, without duplicates; a
#   second tab continues it too and the first says so; closing deletes the token.
# The widget's site document (GET /livechat/v0/site/<key>.json): no-store, no cookie, CORS for the
# site's origin only.
import http.client
import json
import os
import tempfile

import livechat_util as lc
import muc_util as m
import widget_util as w
import xmppd_harness as h
from xmpp_clients import run

GREETING = "Dzień dobry! Konsultant PIFE czeka na pytania."


def site_document(origin_port, origin_header):
    conn = http.client.HTTPConnection("127.0.0.1", origin_port, timeout=10)
    conn.request("GET", "/livechat/v0/site/%s.json" % w.SITE_KEY,
                 headers={"Host": "localhost:%d" % origin_port, **({"Origin": origin_header} if origin_header else {})})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def test():
    with w.running(extra='widget_greeting_pl = "%s"\n' % GREETING, rules=("-/admin/*",)) \
            as (server, widget_origin, site, open_page):
        port = int(widget_origin.rsplit(":", 1)[1])
        password = "alice-Pass-1"
        server.adduser("alice", password)

        # The document: JSON, never cached, no cookie; CORS names the site's origin only and a
        # foreign origin is refused.
        status, hdrs, body = site_document(port, site.origin)
        doc = json.loads(body)
        assert status == 200 and hdrs["cache-control"] == "no-store", (status, hdrs)
        assert hdrs["access-control-allow-origin"] == site.origin and "set-cookie" not in hdrs, hdrs
        assert [q["name"] for q in doc["queues"]] == ["general"] and doc["queues"][0]["available"] is False, doc
        assert doc["notice"]["version"] == w.NOTICE_VERSION and doc["visitor_host"] == h.GUEST, doc
        assert doc["websocket"] == "/xmpp-websocket" and doc["bosh"] == "/http-bind", doc
        assert doc["upload"]["max_bytes"] > 0, doc
        status, hdrs, _ = site_document(port, "https://evil.example")
        assert status == 403 and "access-control-allow-origin" not in hdrs, (status, hdrs)

        page = open_page()
        page.do(goto=site.url("/plain.html"))
        names_without = set(page.do(eval="Object.getOwnPropertyNames(window)")["value"])
        # Nobody available: the launchers, the loader's check done, no invitation, and nothing
        # stored nor any session opened (privacy by default).
        page.do(goto=site.url("/fundusze/dotacje.html"))
        page.do(wait_for=["[data-xmppd-widget][data-available=false]", "attached", 20000])
        page.do(wait_for=["#launch-chat", "visible", 10000])
        assert page.do(eval="getComputedStyle(document.querySelector('[data-xmppd-widget]').shadowRoot"
                            ".querySelector('#invite')).display")["value"] == "none"
        assert page.do(eval="localStorage.length + sessionStorage.length")["value"] == 0
        assert page.do(eval="document.cookie")["value"] == ""
        assert page.do(eval="performance.getEntriesByType('resource').filter(e => /bundle-/.test(e.name)).length")[
            "value"] == 0, "the bundle is fetched only on the first action"

        # The consultant becomes available; on the next page the invitation opens by itself
        # after the site's delay (1.5 s on the page's clock), with the greeting, focus untouched.
        alice = run(lc.consultant(server, "alice", password, new=False))
        # Not on pages the site's rules exclude.
        page.do(goto=site.url("/admin/ustawienia.html"))
        page.do(wait_for=["[data-xmppd-widget][data-invite=off-by-page-rules]", "attached", 20000])
        page.do(goto=site.url("/fundusze/nabory.html"))
        page.do(wait_for=["#invite", "visible", 20000])
        assert GREETING in page.do(text="#invite-greeting")["text"]
        assert int(page.do(eval="document.querySelector('[data-xmppd-widget]').dataset.invitedAt")["value"]) >= 1500
        assert page.do(focused=True)["value"] == "body", "the invitation must not take focus"

        # The visitor acts: the bundle, the join form with the notice of the configured version.
        page.do(click="#invite-chat")
        page.do(wait_for=["#join-form", "visible", 20000])
        assert page.do(focused=True)["value"] == "topic"
        notice = page.do(text="#join-notice")["text"]
        assert w.NOTICE_VERSION in notice, notice
        # Validation before anything is sent: the topic and the acknowledgement are required.
        page.do(click="#join-form button[type=submit]")
        errors = page.do(locator_text=[".summary", "wymagane", 10000])["text"]
        assert "W jakiej sprawie" in errors and "Potwierdź" in errors, errors
        page.do(fill=["#topic", "Dotacje dla firm w Łodzi"])
        page.do(fill=["#name", "Zofia"])
        page.do(click="#join-ack")
        page.do(click="#join-form button[type=submit]")
        page.do(wait_for=["#message", "visible", 20000])
        # The loader and the bundle (with strophe.js) define no global name.
        added = set(page.do(eval="Object.getOwnPropertyNames(window)")["value"]) - names_without
        assert not added, "globals added by the widget: %s" % sorted(added)
        token = json.loads(page.do(eval="localStorage.getItem('xmppd-widget:%s')" % w.SITE_KEY)["value"])
        assert len(token["token"]) == 32 and token["room"].endswith("@" + lc.CHAT), token

        # The offer reaches alice; she joins; the visitor sees her (first name only) enter.
        room, body = run(lc.offer(alice, timeout=20))
        assert room == token["room"] and "Dotacje dla firm w Łodzi" in body, body
        run(m.join(alice, room, "Anna"))
        page.do(locator_text=["#log li", "Anna", 20000])

        # Typing (XEP-0085) and a message with a link: text plus a real <a>, never markup.
        alice.send_raw("<message to='%s' type='groupchat'><composing xmlns='%s'/></message>"
                       % (room, "http://jabber.org/protocol/chatstates"))
        run(alice.sync())  # slixmpp writes only while its loop runs
        page.do(locator_text=["#typing", "Anna pisze", 20000])
        lc.say(alice, room, "Dzień dobry! Nabory: https://rpo.lodzkie.pl/nabory <b>x</b>")
        run(alice.sync())
        page.do(locator_text=["#log li", "Nabory", 20000])
        assert page.do(eval="document.querySelector('[data-xmppd-widget]').shadowRoot"
                            ".querySelector('#log a[href=\"https://rpo.lodzkie.pl/nabory\"]') !== null")["value"]
        assert page.do(eval="document.querySelector('[data-xmppd-widget]').shadowRoot"
                            ".querySelector('#log b') === null")["value"], "text became markup"

        # Visitor -> consultant.
        page.do(fill=["#message", "Czy mogę złożyć wniosek w Sieradzu?"])
        page.do(press="Enter")
        run(lc.room_message(alice, room, "Czy mogę złożyć wniosek w Sieradzu?"))
        page.do(locator_text=["#log li.mine", "dostarczono", 20000])

        # A file through XEP-0363; alice downloads exactly what was sent.
        content = b"Wniosek o dofinansowanie\n" + os.urandom(2000)
        path = os.path.join(tempfile.mkdtemp(prefix="xmppd-widget-"), "wniosek.pdf")
        with open(path, "wb") as f:
            f.write(content)
        assert "MB" in page.do(text="#file-limit")["text"] or "kB" in page.do(text="#file-limit")["text"]
        page.do(files=["#file", path])
        msg = run(m.next_message(alice, lambda s: s["type"] == "groupchat" and
                                 s["body"].startswith("http://" + w.UPLOAD), "the file's URL", 20))
        url = msg["body"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", url[len("http://%s:%d" % (w.UPLOAD, port)):], headers={"Host": "%s:%d" % (w.UPLOAD, port)})
        r = conn.getresponse()
        assert r.status == 200 and r.read() == content
        conn.close()

        # Reload: the same conversation by its token, the history once (no duplicates).
        page.do(goto=site.url("/fundusze/nabory.html"))
        page.do(wait_for=["#message", "visible", 20000])
        page.do(locator_text=["#log li", "Czy mogę złożyć wniosek", 20000])
        count = ("[...document.querySelector('[data-xmppd-widget]').shadowRoot.querySelectorAll('#log li')]"
                 ".filter(li => li.textContent.includes('%s')).length")
        assert page.do(eval=count % "Czy mogę złożyć wniosek w Sieradzu?")["value"] == 1
        assert page.do(eval=count % "Nabory:")["value"] == 1
        lc.say(alice, room, "Tak, w punkcie w Sieradzu.")
        run(alice.sync())
        page.do(locator_text=["#log li", "w punkcie w Sieradzu", 20000])

        # A second tab of the same visitor continues the conversation; the first says where.
        second = page.do(new_page=True)["page"]
        page.do(page=second, goto=site.url("/kontakt.html"))
        page.do(page=second, locator_text=["#log li", "w punkcie w Sieradzu", 20000])
        page.do(wait_for=["#elsewhere", "visible", 20000])
        page.do(page=second, fill=["#message", "Piszę z drugiej karty"])
        page.do(page=second, press="Enter")
        run(lc.room_message(alice, room, "Piszę z drugiej karty"))

        # The consultant closes: the visitor is told and the token is gone.
        lc.say(alice, room, "!close")
        run(alice.sync())
        page.do(page=second, locator_text=["#log li", "zakończona", 20000])
        assert page.do(page=second, eval="localStorage.getItem('xmppd-widget:%s')" % w.SITE_KEY)["value"] is None
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "upload"))
