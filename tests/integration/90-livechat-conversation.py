# The livechat service's main path (modules/livechat, docs/protocol.md, DESIGN.md "Conversation
# flow"): an anonymous visitor (XEP-0175) joins a queue with a XEP-0004 form and gets a token, a
# room and its queue position; the consultant, a plain XMPP client, gets the offer as a XEP-0249
# direct invitation with a body and accepts by joining the room (XEP-0045 §7.2), where the
# visitor's earlier message waits as history (§7.2.15). Messages flow both ways; the consultant's
# !tag, !note, /tag, !untag and !help are answered privately and never reach the visitor; !close
# destroys the room (§10.9), removes it from the consultant's XEP-0402 bookmarks and tells the
# visitor. Every transition, the note and the tags are stored.
# backends: sqlite mariadb
import asyncio
import xml.etree.ElementTree as ET

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from slixmpp.plugins.xep_0004.stanza import Form
from xmpp_clients import run

BOOKMARKS = "urn:xmpp:bookmarks:1"


def bookmark(c, room):
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    form.add_field(var="pubsub#persist_items", value="true")
    form.add_field(var="pubsub#max_items", value="max")
    form.add_field(var="pubsub#send_last_published_item", value="never")
    form.add_field(var="pubsub#access_model", value="whitelist")
    item = ET.fromstring("<conference xmlns='%s' name='rozmowa' autojoin='true'><nick>Anna</nick></conference>"
                         % BOOKMARKS)
    run(c["xep_0060"].publish(None, BOOKMARKS, id=room, payload=item, options=form))


def bookmarked(c):
    items = run(c["xep_0060"].get_items(None, BOOKMARKS))["pubsub"]["items"]
    return {i["id"] for i in items}


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        v = run(lc.visitor(server))

        # The join answers with the conversation, a 128-bit token and the room (docs/protocol.md).
        joined = run(lc.join(v, "Dotacje dla firm w Łodzi", name="Zażółć"))
        room, token = joined["room"], joined["token"]
        assert room == "c-%s@%s" % (joined["conversation"], lc.CHAT), joined
        assert len(token) == 32 and int(token, 16) >= 0, token
        assert joined["nick"] == "Visitor"
        # The visitor is in its room under the service's nick (XEP-0045 §7.2.2 self-presence, 110).
        own = run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Visitor" and 110 in m.status_codes(p),
                                  "the visitor's own presence in its room"))
        assert m.item(own).get("affiliation") == "member"
        # Its position in the queue, from the queue's JID.
        pos = run(m.next_message(v, lambda s: s.xml.find("{%s}queue" % lc.NS) is not None, "a queue position"))
        assert str(pos["from"]) == "general@" + lc.CHAT and pos.xml.find("{%s}queue" % lc.NS).get("position") == "1"

        # The offer: a XEP-0249 invitation to anna's bare JID, with a body any client shows.
        offered_room, body = run(lc.offer(anna))
        assert offered_room == room
        assert "!accept" in body and "!decline" in body and "Dotacje dla firm w Łodzi" in body, body

        # The visitor writes while waiting; the room keeps it.
        lc.say(v, room, "Dzień dobry, pytanie o nabór")
        run(lc.room_message(v, room, "Dzień dobry, pytanie o nabór"))

        # Joining accepts. Anna is an admin (moderator: sees the real JIDs in this semi-anonymous
        # room, §7.2.4) and gets the visitor's message as history.
        own, _subject, occupants, history = run(m.join(anna, room, "Anna"))
        assert m.item(own).get("affiliation") == "admin" and m.item(own).get("role") == "moderator", own
        assert [x["body"] for x in history] == ["Dzień dobry, pytanie o nabór"], history
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Anna", "anna entering, seen by the visitor"))

        lc.say(anna, room, "Dzień dobry, w czym mogę pomóc?")
        run(lc.room_message(v, room, "Dzień dobry, w czym mogę pomóc?"))
        lc.say(v, room, "Czy mogę złożyć wniosek w Sieradzu?")
        run(lc.room_message(anna, room, "Czy mogę złożyć wniosek w Sieradzu?"))

        # Commands: taken by the service, answered to anna alone, never relayed.
        commands = [("!tag dotacje", "Tagged: dotacje"), ("!note Pyta o nabór 2026", "Note kept"),
                    ("/tag firma", "Tagged: firma"), ("!untag firma", "Tag removed: firma"),
                    ("!help", "!note")]
        for command, answer in commands:
            lc.say(anna, room, command)
            run(lc.service_reply(anna, room, answer))
        # A message after the commands is the visitor's sync point: what came before it has come.
        lc.say(anna, room, "Tak, w punkcie w Sieradzu.")
        run(lc.room_message(v, room, "Tak, w punkcie w Sieradzu."))
        seen = " | ".join(lc.bodies(v))
        for command, answer in commands:
            assert command not in seen and answer not in seen, seen
        assert "Pyta o nabór" not in seen and "dotacje" not in seen, seen
        # Nor did anna's own room copy show them as broadcast (they were taken, not relayed).
        assert not m.messages_now(anna, lambda s: s["body"] == "!tag dotacje" and s["from"].resource == "Anna")

        # Bookmarks of the room go when it is closed (XEP-0402 §5.3 retraction).
        bookmark(anna, room)
        assert room in bookmarked(anna)

        lc.say(anna, room, "!close")
        run(lc.service_reply(anna, room, "Closing"))
        # XEP-0045 §10.9: both get the destroy notice; the visitor also the service's <closed/>.
        for c in (anna, v):
            gone = run(m.next_presence(c, lambda p: p["from"].bare == room and p["type"] == "unavailable" and
                                       p.xml.find(m.MUC_USER + "x/" + m.MUC_USER + "destroy") is not None,
                                       "the destroy notice"))
        run(m.next_message(v, lambda s: s.xml.find("{%s}closed" % lc.NS) is not None, "the <closed/> notice"))
        # The retraction is written after the close (XEP-0402 §5.3); read until it is (bounded).
        for _ in range(100):
            if room not in bookmarked(anna):
                break
            run(asyncio.sleep(0.05))
        assert room not in bookmarked(anna)
        # The room is gone: entering again is refused.
        assert run(m.join_error(anna, room, "Anna")) in ("not-allowed", "item-not-found")

        cid = joined["conversation"]
        # Written in order by one writer: once the closed row is there, so is everything before it.
        state = lc.wait_rows(server, "SELECT state, consultant, topic FROM livechat_conversations WHERE id = ?",
                             (cid,), lambda r: r and r[0][0] == "closed")
        assert state == [("closed", "anna@localhost", "Dotacje dla firm w Łodzi")], state
        events = [r[0] for r in lc.rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                                                "ORDER BY id", (cid,))]
        assert events == ["joined", "offered", "accepted", "closed"], events
        notes = lc.rows(server, "SELECT author, text FROM livechat_notes WHERE conversation = ?", (cid,))
        assert notes == [("anna@localhost", "Pyta o nabór 2026")], notes
        tags = lc.rows(server, "SELECT tag FROM livechat_tags WHERE conversation = ?", (cid,))
        assert tags == [("dotacje",)], tags
        # The token itself is not stored, only its hash.
        assert not lc.rows(server, "SELECT id FROM livechat_conversations WHERE token_hash = ?", (token,))


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
