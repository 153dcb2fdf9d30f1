# The visitor's chat widget (webclient/widget, issue 7 "Reconnection ... stream resumption when
# possible") when the network under its WebSocket fails mid-conversation, in headless Chromium
# (Debian's chromium, playwright-core) against a running xmppd, the consultant a slixmpp client.
# The test cuts the widget's WebSocket on both sides (the page sees it drop, xmppd sees it close)
# and refuses new ones until it lets the network back (tests/web/browser.mjs "websockets"):
# - resumption (XEP-0198 §5): the consultant writes twice during the gap; when the network is
#   back the widget resumes the same session: each message shows once, the visitor never left
#   the room (the consultant sees no unavailable presence of the visitor's nick, XEP-0045 §7.14),
#   and the visitor's next message reaches the consultant once;
# - privacy: the stream's SM-ID and counters are kept in memory only: the browser stores the
#   conversation token (localStorage) and nothing in sessionStorage;
# - fallback: a gap longer than the resumption window the server gave (`smacks_resume_timeout`,
#   here 8 s): the widget logs in anew (over BOSH, WebSockets still failing), rejoins by the token
#   (docs/protocol.md; the consultant sees the visitor's old session leave and the new one come)
#   and catches up from the room's history: the message written during the gap shows once, and
#   nothing shown before repeats.
import json

import livechat_util as lc
import muc_util as m
import widget_util as w
import xmppd_harness as h
from xmpp_clients import run

SHADOW = "document.querySelector('[data-xmppd-widget]').shadowRoot"
COUNT = "[...%s.querySelectorAll('#log li')].filter(li => li.textContent.includes(%%s)).length" % SHADOW


def shown(page, text):
    """How many lines of the conversation contain `text`."""
    return page.do(eval=COUNT % json.dumps(text))["value"]


def visitor_left(alice, room, nick):
    """The visitor's occupant went unavailable in the room (XEP-0045 §7.14), as the consultant saw."""
    occupant = "%s/%s" % (room, nick)
    return [s for s in alice.stanzas.items
            if s.name == "presence" and str(s["from"]) == occupant and s["type"] == "unavailable"]


def test():
    with w.running(limits={"smacks_resume_timeout": '"8s"'}) as (server, _origin, site, open_page):
        password = "alice-Pass-1"
        server.adduser("alice", password)
        alice = run(lc.consultant(server, "alice", password, new=False))

        page = open_page(route_websocket=True)
        page.do(goto=site.url("/fundusze/dotacje.html"))
        page.do(wait_for=["[data-xmppd-widget][data-available=true]", "attached", 20000])
        page.do(click="#launch-chat")
        page.do(wait_for=["#join-form", "visible", 20000])
        page.do(fill=["#topic", "Wznowienie połączenia"])
        page.do(click="#join-ack")
        page.do(click="#join-form button[type=submit]")
        page.do(wait_for=["#message", "visible", 20000])
        assert page.do(attribute=["#panel", "data-transport"])["value"] == "websocket"
        token = json.loads(page.do(eval="localStorage.getItem('xmppd-widget:%s')" % w.SITE_KEY)["value"])
        room, _ = run(lc.offer(alice, timeout=20))
        assert room == token["room"]
        run(m.join(alice, room, "Anna"))
        page.do(locator_text=["#log li", "Anna", 20000])
        lc.say(alice, room, "Dzień dobry, słucham.")
        run(alice.sync())
        page.do(locator_text=["#log li", "słucham", 20000])
        page.do(fill=["#message", "Pytanie przed przerwą"])
        page.do(press="Enter")
        run(lc.room_message(alice, room, "Pytanie przed przerwą"))
        page.do(locator_text=["#log li.mine", "dostarczono", 20000])

        # The network fails; the consultant writes twice meanwhile.
        assert page.do(websockets="drop")["dropped"] == 1
        lc.say(alice, room, "Pierwsza odpowiedź w przerwie")
        lc.say(alice, room, "Druga odpowiedź w przerwie")
        run(alice.sync())
        page.do(websockets="up")
        page.do(locator_text=["#log li", "Druga odpowiedź w przerwie", 30000])
        page.do(fill=["#message", "Po przerwie"])
        page.do(press="Enter")
        run(lc.room_message(alice, room, "Po przerwie"))
        page.do(locator_text=["#log li.mine", "Po przerwie", 20000])
        # Resumed: each message once, the visitor never left the room.
        for text in ("słucham", "Pytanie przed przerwą", "Pierwsza odpowiedź w przerwie",
                     "Druga odpowiedź w przerwie", "Po przerwie"):
            assert shown(page, text) == 1, (text, shown(page, text))
        assert not visitor_left(alice, room, token["nick"]), "the visitor left and joined again: not resumed"
        # Only the token is stored; the stream's state stays in memory.
        assert page.do(eval="sessionStorage.length")["value"] == 0
        assert page.do(eval="Object.keys(localStorage)")["value"] == ["xmppd-widget:%s" % w.SITE_KEY]

        # A gap longer than the resumption window the server gave (8 s): the consultant writes
        # at once; the server ends the detached session (the consultant sees the visitor
        # leave); the widget stops trying to resume, logs in anew (over BOSH: WebSockets
        # still fail) and rejoins by its token (the consultant sees the visitor come back);
        # the message comes from the room's history, once.
        assert page.do(websockets="drop")["dropped"] == 1
        lc.say(alice, room, "Odpowiedź po końcu sesji")
        run(alice.sync())
        run(m.next_presence(alice, lambda p: str(p["from"]) == "%s/%s" % (room, token["nick"]) and
                            p["type"] == "unavailable", "the visitor's session ended", 40), 45)
        run(m.next_presence(alice, lambda p: str(p["from"]) == "%s/%s" % (room, token["nick"]) and
                            p["type"] != "unavailable", "the visitor back in the room", 20), 25)
        page.do(locator_text=["#log li", "Odpowiedź po końcu sesji", 30000])
        page.do(websockets="up")
        for text in ("słucham", "Pytanie przed przerwą", "Pierwsza odpowiedź w przerwie",
                     "Druga odpowiedź w przerwie", "Po przerwie", "Odpowiedź po końcu sesji"):
            assert shown(page, text) == 1, (text, shown(page, text))
        assert page.do(attribute=["#panel", "data-transport"])["value"] == "bosh"
        page.do(fill=["#message", "Jestem z powrotem"])
        page.do(press="Enter")
        run(lc.room_message(alice, room, "Jestem z powrotem"))
        # Each of the visitor's messages reached the consultant once (the copies taken above).
        again = [b for b in lc.bodies(alice) if b in ("Pytanie przed przerwą", "Po przerwie", "Jestem z powrotem")]
        assert not again, "the consultant got these twice: %s" % again
        page.do(locator_text=["#log li.mine", "Jestem z powrotem", 20000])
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
