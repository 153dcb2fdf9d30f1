# Hand-offs across a crash (issue 6 "Queue entries, offers, conversations and their timers are
# stored rows ... at start the service rebuilds itself from them"; docs/protocol.md "Transfer and
# invite", "A consultant disconnects"): anna has two conversations and has offered one to bob
# (a transfer) when xmppd is killed with SIGKILL. After the restart bob's join accepts the stored
# transfer offer (XEP-0045 §7.2) and the visitor, back by its token, finds bob in the room. Anna
# never comes back: her other conversation's grace period (stored as a transition at start) ends,
# the visitor gets the neutral notice and bob is offered it and takes it.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NOTICE = "Please wait a moment: a colleague will continue this conversation."


def test():
    with lc.server(["general | Pytania ogólne | anna, bob | 120s"], max_chats=3,
                   options='disconnect_grace = "15s"\n') as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        lc.tell_service(bob, "!status break")
        run(lc.service_says(bob, "Agent status: break"))
        v1, v2 = run(lc.visitor(server)), run(lc.visitor(server))
        j1 = run(lc.join(v1, "Pierwsza sprawa"))
        assert run(lc.offer(anna))[0] == j1["room"]
        run(m.join(anna, j1["room"], "Anna"))
        j2 = run(lc.join(v2, "Druga sprawa"))
        assert run(lc.offer(anna))[0] == j2["room"]
        run(m.join(anna, j2["room"], "Anna"))
        lc.tell_service(bob, "!status available")
        run(lc.service_says(bob, "Agent status: available"))

        lc.say(anna, j1["room"], "!transfer bob@localhost")
        run(lc.service_reply(anna, j1["room"], "Offered to bob@localhost"))
        run(m.next_message(bob, lambda s: lc.is_offer(s) and s.xml.find(lc.CONFERENCE).get("jid") == j1["room"],
                           "the transfer offer"))
        lc.wait_rows(server, "SELECT state FROM livechat_offers WHERE conversation = ? AND state = 'pending'",
                     (j1["conversation"],))
        lc.kill(server)
        run(lc.lost(anna, bob, v1, v2))
        server.start()

        bob = run(lc.consultant(server, "bob", "bob-Pass-2", new=False))
        v1, v2 = run(lc.visitor(server)), run(lc.visitor(server))
        assert run(lc.rejoin(v1, j1["token"]))["state"] == "active"
        assert run(lc.rejoin(v2, j2["token"]))["state"] == "active"
        # The stored transfer offer: bob's join accepts it.
        own = run(m.join(bob, j1["room"], "Bob"))[0]
        assert m.item(own).get("affiliation") == "admin", own
        run(lc.room_message(v1, j1["room"], NOTICE))
        run(m.next_presence(v1, lambda p: str(p["from"]) == j1["room"] + "/Bob", "bob, seen by the first visitor"))
        lc.say(bob, j1["room"], "Przejmuję po awarii")
        run(lc.room_message(v1, j1["room"], "Przejmuję po awarii"))

        # Anna stays away: her other conversation goes back to the queue when the grace period ends.
        run(lc.room_message(v2, j2["room"], NOTICE, timeout=40))
        assert run(lc.offer(bob, "the returned conversation", timeout=20))[0] == j2["room"]
        run(m.join(bob, j2["room"], "Bob"))
        run(m.next_presence(v2, lambda p: str(p["from"]) == j2["room"] + "/Bob", "bob, seen by the second visitor"))

        e1 = [r[0] for r in lc.rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? ORDER BY id",
                                    (j1["conversation"],))]
        assert e1 == ["joined", "offered", "accepted", "transfer_offered", "consultant_away", "transfer_accepted"], e1
        e2 = [r[0] for r in lc.wait_rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                                                 "ORDER BY id", (j2["conversation"],),
                                         lambda r: r and r[-1][0] == "accepted" and len(r) > 3)]
        assert e2 == ["joined", "offered", "accepted", "consultant_away", "returned", "offered", "accepted"], e2
        for j in (j1, j2):
            state = lc.rows(server, "SELECT consultant FROM livechat_conversations WHERE id = ?", (j["conversation"],))
            assert state == [("bob@localhost",)], state


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
