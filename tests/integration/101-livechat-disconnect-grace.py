# A consultant's disconnect mid-conversation (issue 6 "A consultant who disconnects mid-conversation
# has a grace period before the conversation returns to the head of the queue"; docs/protocol.md
# "A consultant disconnects"): anna's session ends (RFC 6121 §4.6.3: the server sends chat.localhost
# her unavailable presence). Back within the grace period (disconnect_grace, 8 s here) she keeps
# the conversation: the visitor notices nothing and she rejoins the room. Gone for longer, the
# conversation goes back to the head of the queue, the visitor gets the neutral notice, bob is
# offered it first (before a visitor who joined later) when he ends his break, and takes it; anna, back, may no longer
# enter. Every step is a stored transition.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NOTICE = "Please wait a moment: a colleague will continue this conversation."


def test():
    with lc.server(["general | Pytania ogólne | anna, bob | 60s"], max_chats=1,
                   options='disconnect_grace = "8s"\n') as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        lc.tell_service(bob, "!status break")
        run(lc.service_says(bob, "Agent status: break"))
        v = run(lc.visitor(server))
        j = run(lc.join(v, "Wniosek o dofinansowanie"))
        room, cid = j["room"], j["conversation"]
        assert run(lc.offer(anna))[0] == room
        run(m.join(anna, room, "Anna"))
        lc.say(anna, room, "Dzień dobry")
        run(lc.room_message(v, room, "Dzień dobry"))

        # Within the grace period: she keeps it.
        anna.disconnect()
        run(lc.lost(anna))
        lc.wait_rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                             "AND event = 'consultant_away'", (cid,))
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        lc.wait_rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                             "AND event = 'consultant_back'", (cid,))
        run(m.join(anna, room, "Anna"))
        lc.say(anna, room, "Jestem z powrotem")
        run(lc.room_message(v, room, "Jestem z powrotem"))
        assert NOTICE not in lc.bodies(v)

        # A second visitor waits (anna is at her limit, bob on a break).
        v2 = run(lc.visitor(server))
        run(lc.join(v2, "Inne pytanie"))
        run(m.next_message(v2, lambda s: s.xml.find("{%s}queue" % lc.NS) is not None, "a queue position"))

        # Beyond the grace period: back to the head of the queue, before v2.
        anna.disconnect()
        run(lc.lost(anna))
        run(lc.room_message(v, room, NOTICE, timeout=30))
        lc.tell_service(bob, "!status available")
        got = run(lc.offer(bob, "the returned conversation", timeout=30))[0]
        assert got == room, (got, room)
        run(m.join(bob, room, "Bob"))
        run(m.next_presence(v, lambda p: str(p["from"]) == room + "/Bob", "bob, seen by the visitor"))
        lc.say(bob, room, "Dzień dobry, kontynuuję")
        run(lc.room_message(v, room, "Dzień dobry, kontynuuję"))
        # Anna comes back: the conversation is bob's, the room refuses her.
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        assert run(m.join_error(anna, room, "Anna")) == "not-allowed"
        seen = " | ".join(b for b in lc.bodies(v) if b)
        assert "disconnect" not in seen and "@localhost" not in seen, seen

        events = [r[0] for r in lc.rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                                                "ORDER BY id", (cid,))]
        assert events == ["joined", "offered", "accepted", "consultant_away", "consultant_back", "consultant_away",
                          "returned", "offered", "accepted"], events
        state = lc.rows(server, "SELECT state, consultant FROM livechat_conversations WHERE id = ?", (cid,))
        assert state == [("active", "bob@localhost")], state


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
