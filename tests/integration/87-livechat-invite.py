# Invite (issue 6 "Invite adds a colleague"; docs/protocol.md "Transfer and invite"): anna's
# "!invite bob@localhost" in the room is taken by the service (never relayed); bob becomes a room
# admin and gets a XEP-0249 invitation from the room (§2); when he joins (XEP-0045 §7.2) the
# visitor sees his presence and a room message naming him by his public profile only (first name
# and workplace, no surname without his consent). Both consultants answer the visitor; the
# conversation stays anna's; someone who is not a consultant cannot be invited or enter.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run


def test():
    options = 'consultant_profiles = ["bob | Bartłomiej Nowak | Doradca | Łódź"]\n'
    with lc.server(["general | Pytania ogólne | anna, bob | 30s"], options=options) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        lc.tell_service(bob, "!status break")  # the offer goes to anna
        run(lc.service_says(bob, "Agent status: break"))
        outsider = run(lc.consultant(server, "ewa", "ewa-Pass-3"))
        v = run(lc.visitor(server))
        j = run(lc.join(v, "Ulga na termomodernizację"))
        room, cid = j["room"], j["conversation"]
        assert run(lc.offer(anna))[0] == room
        run(m.join(anna, room, "Anna"))

        lc.say(anna, room, "!invite ewa@localhost")
        run(lc.service_reply(anna, room, "Usage: !invite"))
        lc.say(anna, room, "!invite bob@localhost")
        run(lc.service_reply(anna, room, "Invited bob@localhost"))
        # XEP-0249 §2: the invitation comes from the room.
        inv = run(lc.invitation(bob, room))
        assert inv["from"].bare == room, inv
        own = run(m.join(bob, room, "Bob"))[0]
        assert m.item(own).get("affiliation") == "admin", own
        run(lc.room_message(v, room, "Bartłomiej (Łódź) joined the conversation."))
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Bob", "bob, seen by the visitor"))
        run(m.next_presence(anna, lambda p: str(p["from"]) == room + "/Bob", "bob, seen by anna"))
        lc.say(bob, room, "Dzień dobry, pomogę koleżance")
        run(lc.room_message(v, room, "Dzień dobry, pomogę koleżance"))
        lc.say(v, room, "Dziękuję obojgu")
        run(lc.room_message(anna, room, "Dziękuję obojgu"))
        run(lc.room_message(bob, room, "Dziękuję obojgu"))
        assert run(m.join_error(outsider, room, "Ewa")) == "not-allowed"

        seen = " | ".join(b for b in lc.bodies(v) if b)
        assert "Nowak" not in seen and "!invite" not in seen and "@localhost" not in seen, seen
        state = lc.wait_rows(server, "SELECT state, consultant FROM livechat_conversations WHERE id = ?", (cid,))
        assert state == [("active", "anna@localhost")], state
        events = [r for r in lc.rows(server, "SELECT event, actor FROM livechat_transitions WHERE conversation = ? "
                                             "ORDER BY id", (cid,))]
        assert events[-1] == ("invited", "bob@localhost"), events


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
