# Transfer (issue 6 "Invite adds a colleague; transfer offers the conversation to a consultant or
# queue and moves ownership when accepted"; docs/protocol.md "Transfer and invite"): in the room,
# anna's "!transfer bob@localhost" is taken by the service (never relayed) and offers the
# conversation to bob as a XEP-0249 invitation (§2) with <offer transfer='true'/>; bob's join
# accepts: he becomes the room's admin and anna, no longer affiliated, leaves the members-only room
# (XEP-0045 §9.4, status 321). Bob's "!transfer grants" puts it at the head of queue grants, where
# carl is offered it. A declined transfer leaves it where it was. The visitor sees only the
# neutral notice and the occupants coming and going; every step is a stored transition.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NS = lc.NS
NOTICE = "Please wait a moment: a colleague will continue this conversation."


def test():
    queues = ["general | Pytania ogólne | anna, bob | 30s", "grants | Dotacje | carl | 30s"]
    with lc.server(queues) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        carl = run(lc.consultant(server, "carl", "carl-Pass-3"))
        lc.tell_service(bob, "!status break")  # so the first offer goes to anna
        run(lc.service_says(bob, "Agent status: break"))
        v = run(lc.visitor(server))
        j = run(lc.join(v, "Dotacje na fotowoltaikę"))
        room, cid = j["room"], j["conversation"]
        assert run(lc.offer(anna))[0] == room
        run(m.join(anna, room, "Anna"))
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Anna", "anna, seen by the visitor"))

        # To a busy colleague: refused, privately.
        lc.say(anna, room, "!transfer bob@localhost")
        run(lc.service_reply(anna, room, "bob@localhost is not available now"))
        lc.tell_service(bob, "!status available")
        run(lc.service_says(bob, "Agent status: available"))

        # To bob: an offer; the conversation stays anna's until he joins.
        lc.say(anna, room, "!transfer bob@localhost")
        run(lc.service_reply(anna, room, "Offered to bob@localhost"))
        offer = run(m.next_message(bob, lambda s: lc.is_offer(s) and s.xml.find("{%s}offer" % NS) is not None and
                                   s.xml.find("{%s}offer" % NS).get("transfer") == "true", "the transfer offer"))
        assert offer.xml.find(lc.CONFERENCE).get("jid") == room and "anna@localhost transfers" in offer["body"]
        own = run(m.join(bob, room, "Bob"))[0]
        assert m.item(own).get("affiliation") == "admin" and m.item(own).get("role") == "moderator", own
        # Anna is no longer a member: out of the room with 321 (XEP-0045 §9.4), and told who has it.
        gone = run(m.next_presence(anna, lambda p: str(p["from"]) == room + "/Anna" and p["type"] == "unavailable",
                                   "anna removed from the room"))
        assert 321 in m.status_codes(gone) and 110 in m.status_codes(gone), m.status_codes(gone)
        run(lc.service_says(anna, "is now with bob@localhost"))
        # The visitor: the neutral notice, bob in, anna out.
        run(lc.room_message(v, room, NOTICE))
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Bob", "bob, seen by the visitor"))
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Anna" and p["type"] == "unavailable",
                            "anna leaving, seen by the visitor"))
        assert run(m.join_error(anna, room, "Anna")) == "not-allowed"
        lc.say(bob, room, "Dzień dobry, przejmuję rozmowę")
        run(lc.room_message(v, room, "Dzień dobry, przejmuję rozmowę"))

        # A declined transfer: it stays with bob.
        lc.say(bob, room, "!transfer anna@localhost")
        run(lc.service_reply(bob, room, "Offered to anna@localhost"))
        run(m.next_message(anna, lambda s: lc.is_offer(s) and s.xml.find(lc.CONFERENCE).get("jid") == room,
                           "the second transfer offer"))
        lc.tell_service(anna, "!decline")
        run(lc.service_says(bob, "stays with you"))

        # To a queue: the head of grants, offered to carl; bob stays until carl takes it.
        lc.say(bob, room, "!transfer grants")
        run(lc.service_reply(bob, room, "Transferred to the head of queue grants"))
        run(lc.room_message(v, room, NOTICE))  # the same neutral notice again
        assert run(lc.offer(carl))[0] == room
        run(m.join(carl, room, "Carl"))
        gone = run(m.next_presence(bob, lambda p: str(p["from"]) == room + "/Bob" and p["type"] == "unavailable",
                                   "bob removed from the room"))
        assert 321 in m.status_codes(gone)
        lc.say(carl, room, "Tu Carl z działu dotacji")
        run(lc.room_message(v, room, "Tu Carl z działu dotacji"))

        # What the visitor saw: never a command, a reason or a consultant's address.
        seen = " | ".join(b for b in lc.bodies(v) if b)
        for word in ("!transfer", "transfer", "@localhost", "decline", "grants", "Offered"):
            assert word not in seen, (word, seen)

        events = [r for r in lc.wait_rows(server, "SELECT event, actor FROM livechat_transitions WHERE conversation = ? "
                                                  "ORDER BY id", (cid,),
                                          lambda r: r and r[-1][0] == "accepted" and len(r) > 3)]
        assert [e for e, _ in events] == ["joined", "offered", "accepted", "transfer_offered", "transfer_accepted",
                                          "transfer_offered", "transfer_declined", "transferred", "offered",
                                          "accepted"], events
        state = lc.rows(server, "SELECT state, consultant, queue FROM livechat_conversations WHERE id = ?", (cid,))
        assert state == [("active", "carl@localhost", "grants")], state


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
