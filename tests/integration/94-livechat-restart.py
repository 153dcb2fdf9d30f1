# A restart loses nothing of the livechat service (issue 6: "Queue entries, offers, conversations
# and their timers are stored rows ... at start the service rebuilds itself from them"): xmppd is
# killed with SIGKILL mid-conversation, with a second visitor waiting in the queue and a third
# conversation's offer pending. After the restart the visitor rejoins by token and the consultant
# re-enters the room (its admin affiliation was stored, XEP-0045 §10.2 persistent room); both
# continue in the same conversation. The offer that expired while the server was down is offered
# again; the waiting visitor keeps its place and is offered when a consultant is free.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run


def test():
    with lc.server(["general | Pytania ogólne | anna, bob | 3s"], max_chats=1) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        v1 = run(lc.visitor(server))
        j1 = run(lc.join(v1, "Rozmowa przed awarią"))
        room1 = j1["room"]
        run(lc.offer(anna))
        run(m.join(anna, room1, "Anna"))
        lc.say(v1, room1, "Pytanie przed awarią")
        run(lc.room_message(anna, room1, "Pytanie przed awarią"))
        # Anna is at her limit (1): the next visitor waits in the queue.
        v2 = run(lc.visitor(server))
        j2 = run(lc.join(v2, "Czekam w kolejce"))
        pos = run(m.next_message(v2, lambda s: s.xml.find("{%s}queue" % lc.NS) is not None, "a queue position"))
        assert pos.xml.find("{%s}queue" % lc.NS).get("position") == "1"
        # Bob comes and gets v2's offer; the server dies before he answers.
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        assert run(lc.offer(bob))[0] == j2["room"]
        # The offer row is committed (what the restart reads); then the kill.
        lc.wait_rows(server, "SELECT state FROM livechat_offers WHERE conversation = ? AND state = 'pending'",
                     (j2["conversation"],))
        lc.kill(server)
        run(lc.lost(anna, bob, v1, v2))
        server.start()

        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        v1 = run(lc.visitor(server))
        again = run(lc.rejoin(v1, j1["token"]))
        assert again["room"] == room1 and again["state"] == "active", again
        run(m.join(anna, room1, "Anna"))
        lc.say(anna, room1, "Jestem po awarii")
        run(lc.room_message(v1, room1, "Jestem po awarii"))
        lc.say(v1, room1, "Ja też")
        run(lc.room_message(anna, room1, "Ja też"))

        # v2 rejoins: still waiting. Its offer to bob expired while the server was down; bob,
        # back online, is offered it again (anna is at her limit).
        v2 = run(lc.visitor(server))
        assert run(lc.rejoin(v2, j2["token"]))["state"] in ("queued", "offered")
        bob = run(lc.consultant(server, "bob", "bob-Pass-2", new=False))
        assert run(lc.offer(bob, timeout=20))[0] == j2["room"]
        run(m.join(bob, j2["room"], "Bob"))
        lc.say(bob, j2["room"], "Dzień dobry po restarcie")
        run(lc.room_message(v2, j2["room"], "Dzień dobry po restarcie"))

        cid2 = j2["conversation"]
        events = [r[0] for r in lc.wait_rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                                                     "ORDER BY id", (cid2,), lambda r: r and r[-1][0] == "accepted")]
        assert events[:3] == ["joined", "offered", "offer_expired"] and events[-1] == "accepted", events


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
