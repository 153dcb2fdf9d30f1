# RFC 6121 §4 presence between subscribed contacts, several resources: initial presence is
# broadcast to subscribers and probes fetch the contacts' current presence (§4.2, §4.3);
# show/status changes are broadcast (§4.4); unavailable presence with a status (§4.5.1); the
# server's own unavailable presence when a stream is closed without one or the TCP connection is
# lost (§4.5.2, RFC 6120 §4.4); nothing reaches a user who is not subscribed.
import xmppd_harness as h
from xmpp_clients import Client, befriend, run


def test():
    with h.Server(channel_binding=False) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        alice = run(Client(a + "/desk", "alice-Pass-1").login(server.ports["c2s"], get_roster=True,
                                                               status="Punkt Informacyjny, Łódź"))
        bob = run(Client(b + "/phone", "bob-Pass-2").login(server.ports["c2s"], get_roster=True))
        carol = run(Client(c, "carol-Pass-3").login(server.ports["c2s"], get_roster=True))
        run(befriend(alice, bob))

        # A second resource of bob: alice sees it come online (§4.2.2), and it receives alice's
        # current presence, status included, in answer to the server's probe (§4.3.2).
        tablet = Client(b + "/tablet", "bob-Pass-2")
        run(tablet.login(server.ports["c2s"], get_roster=True, priority=3))
        p = run(alice.next_presence(pred=lambda p: p["from"] == tablet.boundjid, describe="tablet online"))
        assert p["type"] == "available" and p["priority"] == 3, (p["type"], p["priority"])
        p = run(tablet.next_presence(pred=lambda p: p["from"] == alice.boundjid, describe="alice's presence"))
        assert p["type"] == "available" and p["status"] == "Punkt Informacyjny, Łódź", p

        # §4.4: show and status changes reach every subscriber.
        tablet.send_presence(pshow="dnd", pstatus="Nie przeszkadzać", ppriority=3)
        p = run(alice.next_presence(pred=lambda p: p["from"] == tablet.boundjid, describe="dnd"))
        assert (p["show"], p["status"]) == ("dnd", "Nie przeszkadzać"), (p["show"], p["status"])

        # §4.5.1: the client says goodbye itself, with a status.
        tablet.send_presence(ptype="unavailable", pstatus="Do jutra")
        p = run(alice.next_presence(pred=lambda p: p["from"] == tablet.boundjid, describe="tablet gone"))
        assert (p["type"], p["status"]) == ("unavailable", "Do jutra"), (p["type"], p["status"])
        run(tablet.close())

        # §4.5.2: bob/phone closes its stream without unavailable presence: the server sends it.
        run(bob.close())
        p = run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid, describe="phone gone"))
        assert p["type"] == "unavailable", p["type"]

        # The TCP connection is lost without </stream:stream> (no XEP-0198): the same.
        bob = run(Client(b + "/phone", "bob-Pass-2").login(server.ports["c2s"]))
        run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid and p["type"] == "available",
                                describe="phone back"))
        bob.drop()
        p = run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid, describe="phone lost"))
        assert p["type"] == "unavailable", p["type"]

        # carol is nobody's contact: she saw none of this (§4.2.2: subscribers only).
        run(carol.sync())
        leaked = carol.presences.find(lambda p: p["from"].bare in (a, b))
        assert not leaked, [str(p) for p in leaked]
        run(alice.close())
        run(carol.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence"))
