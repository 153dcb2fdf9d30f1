# A restart loses nothing a user relies on (DESIGN.md: "a restart loses nothing"): the roster
# with its subscriptions (RFC 6121 §2.1.3 roster get after the restart), a subscription request
# made while the contact was offline (§3.1.3: delivered at his next login), offline messages (XEP-0160)
# stored before the restart are delivered after it with XEP-0203 delay. Connected clients are
# told why their stream ends (RFC 6120 §4.9.3.20 system-shutdown).
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
from xmpp_clients import Client, befriend, run


async def roster_of(client):
    result = await client.make_iq_get(queryxmlns="jabber:iq:roster").send(timeout=5)
    return {str(j): (i["subscription"], i["ask"] or None) for j, i in result["roster"]["items"].items()}


def test():
    with h.Server(channel_binding=False) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        alice = run(Client(a, "alice-Pass-1").login(server.ports["c2s"], get_roster=True))
        bob = run(Client(b, "bob-Pass-2").login(server.ports["c2s"], get_roster=True))
        run(befriend(alice, bob))
        run(bob.close())
        # carol asks bob while he is offline: the request waits for him (RFC 6121 §3.1.3).
        carol = run(Client(c, "carol-Pass-3").login(server.ports["c2s"], get_roster=True))
        carol.send_presence(pto=b, ptype="subscribe")
        run(carol.roster_pushes.get(lambda iq: b in [str(j) for j in iq["roster"]["items"]]))
        run(carol.close())
        alice.send_message(mto=b, mbody="Przed restartem: dokumenty są gotowe.", mtype="chat")
        alice.send_message(mto=b, mbody="I jeszcze jedno — ł ó ż.", mtype="chat")
        run(alice.sync())

        server.restart()
        run(asyncio.wait_for(alice.lost.wait(), 10))
        assert alice.stream_errors == ["system-shutdown"], alice.stream_errors

        alice = run(Client(a, "alice-Pass-1").login(server.ports["c2s"], get_roster=True))
        assert run(roster_of(alice)) == {b: ("both", None)}, run(roster_of(alice))
        bob = run(Client(b, "bob-Pass-2").login(server.ports["c2s"], get_roster=True))
        roster = run(roster_of(bob))
        assert roster.get(a) == ("both", None), roster
        assert c not in roster or roster[c][0] == "none", roster  # a pending request is not a subscription
        got = [run(bob.next_message()) for _ in range(2)]
        assert [m["body"] for m in got] == ["Przed restartem: dokumenty są gotowe.", "I jeszcze jedno — ł ó ż."], got
        assert all(m.xml.find("{urn:xmpp:delay}delay") is not None for m in got)
        # §3.1.3: the request made while bob was offline is delivered now.
        req = run(bob.next_presence(pred=lambda p: p["type"] == "subscribe", describe="carol's request again"))
        assert req["from"] == c, req["from"]
        # And presence works across the restart: alice and bob see each other online.
        run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid and p["type"] == "available"))
        run(bob.next_presence(pred=lambda p: p["from"] == alice.boundjid and p["type"] == "available"))
        run(alice.close())
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence", "offline"))
