# The visitor's identity is its conversation token, not its anonymous JID (issue 6 "Visitor
# identity"): a reload, i.e. a new anonymous session (XEP-0175) presenting the token, continues in
# the same room under the same nick and gets the whole conversation as history (XEP-0045
# §7.2.15); the consultant's messages then reach the new session. A visitor cannot enter another
# conversation's room (not-allowed), write into it (XEP-0045 §7.4: not an occupant), message a
# consultant directly (RFC 6120 §8.3.3.19 service-unavailable, modules/visitor_policy), create a
# room on chat.localhost, or rejoin with a token it does not have (item-not-found).
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        v1 = run(lc.visitor(server))
        joined = run(lc.join(v1, "Fundusze na szkolenia"))
        room, token = joined["room"], joined["token"]
        run(lc.offer(anna))
        run(m.join(anna, room, "Anna"))
        lc.say(v1, room, "Pierwsze pytanie")
        run(lc.room_message(anna, room, "Pierwsze pytanie"))
        lc.say(anna, room, "Pierwsza odpowiedź")
        run(lc.room_message(v1, room, "Pierwsza odpowiedź"))

        # The page is reloaded: the old session is gone, a new anonymous one rejoins by token.
        run(v1.close())
        v1b = run(lc.visitor(server))
        assert v1b.boundjid.bare != v1.boundjid.bare
        again = run(lc.rejoin(v1b, token))
        assert again["room"] == room and again["nick"] == joined["nick"] and again["state"] == "active", again
        own = run(m.next_presence(v1b, lambda p: str(p["from"]) == room + "/" + joined["nick"] and
                                  110 in m.status_codes(p), "the visitor's own presence after the reload"))
        # The whole conversation, in order, as history (XEP-0203 delayed).
        history = run(_history(v1b, room, 2))
        assert history == ["Pierwsze pytanie", "Pierwsza odpowiedź"], history
        lc.say(anna, room, "Druga odpowiedź")
        run(lc.room_message(v1b, room, "Druga odpowiedź"))
        lc.say(v1b, room, "Dziękuję")
        run(lc.room_message(anna, room, "Dziękuję"))

        # Another visitor with a conversation of its own.
        v2 = run(lc.visitor(server))
        room2 = run(lc.join(v2, "Inna sprawa"))["room"]
        assert room2 != room
        # It cannot enter the first room ...
        assert run(m.join_error(v2, room, "Visitor")) == "not-allowed"
        assert run(m.join_error(v2, room, "Anna2")) == "not-allowed"
        # ... nor write into it (XEP-0045 §7.4: only occupants send groupchat messages) ...
        lc.say(v2, room, "Podsłuch")
        err = run(v2.errors.get(lambda e: e["from"].bare == room, describe="the refusal of a message to room 1"))
        assert err["error"]["condition"] in ("not-acceptable", "forbidden", "not-allowed"), err
        # ... nor message the consultant directly (visitor policy) ...
        v2.send_message(mto="anna@" + h.DOMAIN, mbody="Proszę o kontakt", mtype="chat")
        err = run(v2.errors.get(lambda e: e["from"].bare == "anna@" + h.DOMAIN, describe="the refusal"))
        assert err["error"]["condition"] == "service-unavailable", err
        # ... nor make a room of its own on the service, nor guess a token.
        assert run(m.join_error(v2, "pokoj@" + lc.CHAT, "Ja")) == "not-allowed"
        bad = v2.raw_iq("set", lc.CHAT, "<rejoin xmlns='%s' token='%s'/>" % (lc.NS, "0" * 32))
        assert run(v2.iq_error(bad)) == "item-not-found"
        # Nothing of it reached anna or the first visitor.
        run(anna.sync())
        run(v1b.sync())
        for c in (anna, v1b):
            assert "Podsłuch" not in " | ".join(lc.bodies(c)) and "Proszę o kontakt" not in " | ".join(lc.bodies(c))
        # And the second visitor never saw the first conversation.
        seen = " | ".join(lc.bodies(v2))
        assert "Pierwsze pytanie" not in seen and "Dziękuję" not in seen, seen


async def _history(c, room, n):
    out = []
    for _ in range(n):
        st = await m.next_message(c, lambda s: s["type"] == "groupchat" and s["from"].bare == room and
                                  s.xml.find("{urn:xmpp:delay}delay") is not None, "history")
        out.append(st["body"])
    return out


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "visitor_policy"))
