# Offers that are not taken move on (modules/livechat, issue 6 "Routing"): an offer left
# unanswered expires after the queue's offer timeout and goes to the next available consultant,
# who accepts by joining; the first one, joining late, is refused with not-allowed and an
# explanation (XEP-0045 §7.2 error presence). An offer declined with "!decline" goes on at once,
# and "!accept" in reply to the service accepts (then the consultant is told to join). A
# consultant who is not available (no presence to the service) gets no offer.
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run


def test():
    with lc.server(["general | Pytania ogólne | anna, bob, cyd | 2s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        server.adduser("cyd", "cyd-Pass-3")  # a member who never comes online

        # Both are free; anna has waited longer (available first), so she gets the offer.
        v1 = run(lc.visitor(server))
        room1 = run(lc.join(v1, "Wniosek o dofinansowanie"))["room"]
        assert run(lc.offer(anna))[0] == room1
        # She lets it expire: she is told, and bob gets it.
        run(m.next_message(anna, lambda s: str(s["from"]) == lc.CHAT and "expired" in s["body"], "the expiry notice"))
        assert run(lc.offer(bob))[0] == room1
        run(m.join(bob, room1, "Bob"))
        run(m.next_presence(v1, lambda p: str(p["from"]) == room1 + "/Bob", "bob entering"))
        # Anna, late: refused with an explanation; the visitor never sees her.
        err = _late_join(anna, room1)
        assert err["error"]["condition"] == "not-allowed" and err["error"]["text"], err

        # A second visitor: bob has one conversation, anna none, so anna gets it; she declines.
        v2 = run(lc.visitor(server))
        room2 = run(lc.join(v2, "Szkolenia dla przedsiębiorców"))["room"]
        assert run(lc.offer(anna))[0] == room2
        anna.send_message(mto=lc.CHAT, mbody="!decline", mtype="chat")
        assert run(lc.offer(bob))[0] == room2
        # Bob accepts by replying: he is told to join, and then he is let in.
        bob.send_message(mto=lc.CHAT, mbody="!accept", mtype="chat")
        run(m.next_message(bob, lambda s: str(s["from"]) == lc.CHAT and "Accepted" in s["body"], "the acceptance"))
        run(m.join(bob, room2, "Bob"))
        lc.say(bob, room2, "Dzień dobry!")
        run(lc.room_message(v2, room2, "Dzień dobry!"))

        # Cyd was never available: no offer ever reached him (he has no session to receive one),
        # and the transitions say who had each offer.
        events = lc.rows(server, "SELECT t.event, t.actor FROM livechat_transitions t JOIN livechat_conversations c "
                                 "ON c.id = t.conversation WHERE c.id = ? ORDER BY t.id",
                         (room1.split("@")[0][2:],))
        assert events == [("joined", "visitor"), ("offered", "anna@localhost"), ("offer_expired", "anna@localhost"),
                          ("offered", "bob@localhost"), ("accepted", "bob@localhost")], events
        assert not any(r[1] == "cyd@localhost" for r in lc.rows(server, "SELECT id, consultant FROM livechat_offers"))


def _late_join(client, room):
    """Joins `room` expecting a refusal; returns the error presence."""
    from slixmpp.exceptions import PresenceError
    try:
        run(m.join(client, room, "Anna"))
    except PresenceError as e:
        return e.presence
    raise AssertionError("a late join was let in")


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
