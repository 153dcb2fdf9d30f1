# A logged room's history comes from the message archive (XEP-0313 on rooms), so it survives a
# restart: alice creates a persistent room with muc#roomconfig_enablelogging (occupants are told
# with status 170, XEP-0045 §7.2.12), writes in it, the server restarts, and bob joining gets
# the history (§7.2.15, with XEP-0203 <delay/> by the room) under the same XEP-0359 stanza ids
# the messages were delivered with, also with maxstanzas. A destroyed room's archive stays for
# retention but is not the archive of a room later created under the same name (§10.9): its
# history on join and its MAM results are empty. A room without logging keeps history in memory
# only: after a restart it has none.
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
import muc_util as m
import room_archive_util as ra
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(ra.login(server, "alice", "alice-Pass-1"))
        bob = run(ra.login(server, "bob", "bob-Pass-2"))
        room = m.room_jid("kronika")
        unlogged = m.room_jid("ulotny")
        own = run(m.create_room(alice, room, "Alicja", persistentroom="1", enablelogging="1"))
        sent = ["Wpis %d: Łódź, dofinansowanie" % i for i in range(12)]
        sids = run(ra.say(alice, room, sent))
        run(ra.wait_archived(alice, room, len(sent)))
        run(m.create_room(alice, unlogged, "Alicja", persistentroom="1"))
        run(ra.say(alice, unlogged, ["tylko w pamięci"]))
        # XEP-0045 §10.2/§7.2.12: the owner who turned logging on rejoins and is told (170).
        m.leave(alice, room, "Alicja")
        run(m.next_presence(alice, pred=lambda p: p["type"] == "unavailable" and str(p["from"]) == room + "/Alicja"))
        own, _, _, _ = run(m.join(alice, room, "Alicja"))
        assert 170 in m.status_codes(own), m.status_codes(own)

        server.restart()
        for c in (alice, bob):
            run(asyncio.wait_for(c.lost.wait(), 10))
        alice = run(ra.relogin(server, "alice", "alice-Pass-1"))
        bob = run(ra.relogin(server, "bob", "bob-Pass-2"))

        own, _subject, _occupants, history = run(m.join(bob, room, "Bob"))
        assert 170 in m.status_codes(own), m.status_codes(own)
        assert [msg["body"] for msg in history] == sent, [msg["body"] for msg in history]
        assert [m.stanza_id(msg) for msg in history] == [(s, room) for s in sids]
        for msg in history:
            assert str(msg["from"]) == room + "/Alicja", msg
            delay = msg.xml.find("{urn:xmpp:delay}delay")
            assert delay is not None and delay.get("from") == room, msg
            assert msg.xml.find(ra.MUC_USER + "x") is None, "no real JID in history to a non-moderator"
        m.leave(bob, room, "Bob")
        run(m.next_presence(bob, pred=lambda p: p["type"] == "unavailable" and str(p["from"]) == room + "/Bob"))
        _, _, _, history = run(m.join(bob, room, "Bob", maxstanzas=3))
        assert [msg["body"] for msg in history] == sent[-3:], [msg["body"] for msg in history]

        _, _, _, history = run(m.join(bob, unlogged, "Bob"))
        assert history == [], "a room without logging keeps history in memory only"

        # §10.9: destroyed; carol creates a room of the same name: none of it is hers to read.
        run(alice["xep_0045"].destroy(room, reason="koniec"))
        carol = run(ra.login(server, "carol", "carol-Pass-3"))
        run(m.create_room(carol, room, "Karolina", persistentroom="1", enablelogging="1"))
        assert run(ra.count(carol, room)) == 0
        run(ra.say(carol, room, ["nowy pokój"]))
        run(ra.wait_archived(carol, room, 1))
        results, _ = run(ra.query(carol, room, max="50"))
        assert ra.bodies(results) == ["nowy pokój"], ra.bodies(results)
        _, _, _, history = run(m.join(bob, room, "Bob"))
        assert [msg["body"] for msg in history] == ["nowy pokój"], [msg["body"] for msg in history]

        for c in (alice, bob, carol):
            run(c.close())
        log = server.log_text()  # DESIGN.md: no message bodies in logs
        assert not [s for s in sent if s in log], "a body in the log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc", "mam"))
