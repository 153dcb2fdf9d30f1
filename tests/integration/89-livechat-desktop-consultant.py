# Issue 6's "any client" path with an unmodified desktop client: the consultant uses Profanity
# (Debian's, driven in tmux by desktop_client.py). A slixmpp visitor joins the queue
# (docs/protocol.md); Profanity shows the offer, a XEP-0249 direct invitation with a body from
# chat.D; the consultant accepts by joining the room (`/join c-…@chat.D`, XEP-0045 §7.2), sees
# the visitor's waiting message as history (§7.2.15), answers, and types !tag, !note and !close
# in the room window: the service answers each privately in the room window and never relays it
# (the visitor sees the answer, never a command); !close destroys the room (§10.9), which both
# see. The note and tag are stored.
#
# Then issue 6's Done-when: a staff slixmpp client (anna's own account, another resource) searches
# chat.D (XEP-0313 + XEP-0431, docs/protocol.md "Staff search") by a word of the visitor's message,
# by the tag and by a word of the note, finds the conversation each time, and the client's history
# (<client id/>) lists it with its tag and note count.
#
# Availability: Profanity 0.13 cannot send RFC 6121 §4.6 directed presence to chat.D, so the
# consultant subscribes to the service once (`/sub request chat.D`, §3.1): the service approves
# and asks back, the consultant allows it (`/sub allow`), and from then on the consultant's
# server broadcasts every presence of the consultant to chat.D (§4.2.2), which makes her
# available. The service is also probed (§4.3): it answers with its own presence.
# backends: sqlite mariadb
import re

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from desktop_client import Profanity
from xmpp_clients import Client, run

ANNA = "anna@" + h.DOMAIN


def test():
    with lc.server(["general | Pytania ogólne | anna | 60s"]) as server, Profanity() as prof:
        server.adduser("anna", "anna-Pass-1")
        prof.connect(ANNA, "anna-Pass-1", server.ports["c2s"], tls="force")
        prof.type("/sub request " + lc.CHAT)
        prof.wait_screen(r"Received authorization request from %s" % re.escape(lc.CHAT), timeout=20,
                         describe="the service asking back for the consultant's presence")
        prof.type("/sub allow " + lc.CHAT)
        # A stranger's request is refused (§3.2): the service answers unsubscribed.
        server.adduser("eve", "eve-Pass-1")
        eve = run(Client("eve@%s/pc" % h.DOMAIN, "eve-Pass-1").login(server.ports["c2s"]))
        eve.send_presence(pto=lc.CHAT, ptype="subscribe")
        run(eve.next_presence(pred=lambda p: p["from"] == lc.CHAT and p["type"] == "unsubscribed",
                              describe="the service refusing a stranger's subscription"))

        prof.console()  # the offer will be shown here
        v = run(lc.visitor(server))
        joined = run(lc.join(v, "Dotacje dla firm w Łodzi", name="Zażółć"))
        room = joined["room"]
        lc.say(v, room, "Dzień dobry, pytanie o nabór")
        run(lc.room_message(v, room, "Dzień dobry, pytanie o nabór"))

        # The offer in Profanity: the XEP-0249 invitation (Profanity names the room) with the
        # service's text.
        prof.wait_screen(r"Chat room invite received:.*\n.*From\s*: %s\b.*\n.*Room\s*: %s" % (
            re.escape(lc.CHAT), re.escape(room)), timeout=20, describe="the offer in Profanity")
        prof.wait_screen(r"Message: New conversation in Pytania ogólne", describe="the offer's text")
        prof.wait_screen(r"Use '/join %s' to accept the invitation" % re.escape(room), describe="how to accept")

        # Joining accepts; the visitor's message is there as history.
        prof.type("/join %s nick Anna" % room)
        prof.wait_screen(r"Dzień dobry, pytanie o nabór", describe="the visitor's message as history")
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Anna", "anna entering, seen by the visitor"))

        prof.type("Dzień dobry, w czym mogę pomóc?")
        run(lc.room_message(v, room, "Dzień dobry, w czym mogę pomóc?"))
        lc.say(v, room, "Czy mogę złożyć wniosek w Sieradzu?")
        run(v.sync())  # slixmpp writes only while its loop runs
        prof.wait_screen(r"Visitor: Czy mogę złożyć wniosek w Sieradzu\?", describe="the visitor's question")

        # Commands typed in the room window: answered privately, never relayed.
        # Profanity shows the service's answer (from the room's bare JID) as a "Room message".
        for command, answer in [("!tag dotacje", "Tagged: dotacje"), ("!note Pyta o nabór 2026", "Note kept")]:
            prof.type(command)
            prof.wait_screen(r"Room message: %s" % re.escape(answer), describe="the service's answer to " + command)
        prof.type("Tak, w punkcie w Sieradzu.")
        run(lc.room_message(v, room, "Tak, w punkcie w Sieradzu."))
        # Everything the visitor got that the waits above did not take: no command, no answer.
        seen = " | ".join(lc.bodies(v))
        for text in ("!tag", "!note", "Tagged", "Note kept", "Pyta o nabór", "dotacje"):
            assert text not in seen, (text, seen)

        prof.type("!close")
        # XEP-0045 §10.9: the room is destroyed; Profanity says so, the visitor gets the notice.
        run(m.next_presence(v, lambda p: p["from"].bare == room and p["type"] == "unavailable" and
                            p.xml.find(m.MUC_USER + "x/" + m.MUC_USER + "destroy") is not None, "the destroy notice"))
        run(m.next_message(v, lambda s: s.xml.find("{%s}closed" % lc.NS) is not None, "the <closed/> notice"))
        prof.wait_screen(r"Room destroyed: %s" % re.escape(room), describe="the room's end in Profanity")
        assert "!close" not in " | ".join(lc.bodies(v))

        cid = joined["conversation"]
        state = lc.wait_rows(server, "SELECT state, consultant FROM livechat_conversations WHERE id = ?",
                             (cid,), lambda r: r and r[0][0] == "closed")
        assert state == [("closed", ANNA)], state
        assert lc.rows(server, "SELECT author, text FROM livechat_notes WHERE conversation = ?", (cid,)) == \
            [(ANNA, "Pyta o nabór 2026")]
        assert lc.rows(server, "SELECT tag FROM livechat_tags WHERE conversation = ?", (cid,)) == [("dotacje",)]

        staff = run(Client(ANNA + "/search", "anna-Pass-1", plugins=lc.SEARCH_PLUGINS).login(server.ports["c2s"]))
        found = run(lc.wait_searchable(staff, "Sieradzu", 2))  # the visitor's question and anna's answer
        assert {(k, c) for k, c, _, _ in found} == {("message", cid)}, found
        client = found[0][2]
        assert "Czy mogę złożyć wniosek w Sieradzu?" in [b for _, _, _, b in found], found
        found, _ = run(lc.search(staff, "dotacje"))
        assert [(k, c, x) for k, c, x, _ in found] == [("tag", cid, client)], found
        found, _ = run(lc.search(staff, "nabor 2026"))  # folded: "nabór"
        assert [(k, c, x) for k, c, x, _ in found] == [("note", cid, client)], found
        history = run(lc.client_history(staff, client))
        listed = history.findall("{%s}conversation" % lc.NS)
        assert [e.get("id") for e in listed] == [cid], history
        assert [t.text for t in listed[0].findall("{%s}tag" % lc.NS)] == ["dotacje"], listed[0]
        assert listed[0].get("notes") == "1" and listed[0].get("state") == "closed", listed[0].attrib
        run(staff.close())
        run(eve.close())
        run(v.close())


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep", "mam"))
