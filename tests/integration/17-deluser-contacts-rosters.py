# `xmppctl deluser` and the rosters of the deleted account's contacts: the account goes as if it
# had cancelled every subscription first. Each local contact's roster loses the item, online
# contacts get the roster push (RFC 6121 §2.1.6, §2.5.2) and, on their available resources,
# 'unsubscribed' plus 'unavailable' where they were subscribed to it or had asked (§3.2.3) and
# 'unsubscribe' where it was subscribed to them or had asked (§3.3.3). A contact offline at the
# time finds the roster without it at the next login, and so does everyone when no server was
# running during the deletion.
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
from xmpp_clients import Client, befriend, run


async def fresh_roster(client):
    """The roster as the server has it now (RFC 6121 §2.1.3 roster get), not slixmpp's cache."""
    result = await client.make_iq_get(queryxmlns="jabber:iq:roster").send(timeout=5)
    return {str(jid): dict(item) for jid, item in result["roster"]["items"].items()}


def removal_of(jid):
    return lambda iq: (iq["roster"]["items"].get(jid) or {}).get("subscription") == "remove"


def presence_types_from(client, bare):
    """The kinds of presence (other than available) `client` got from `bare` (a set: the end of
    the deleted account's sessions may add an unavailable of its own)."""
    return sorted({p["type"] for p in client.presences.find(lambda p: p["from"].bare == bare and p["type"] != "available")})


def login(server, jid, password):
    return run(Client(jid, password).login(server.ports["c2s"], get_roster=True))


def test():
    with h.Server(channel_binding=False) as server:
        users = {name: server.adduser(name, name + "-Pass-1") for name in ("alice", "bob", "carol", "dave", "erin")}
        a = users["alice"]
        alice, bob, carol, dave = (login(server, users[n], n + "-Pass-1") for n in ("alice", "bob", "carol", "dave"))

        # bob and alice: 'both'.
        run(befriend(alice, bob))
        # carol subscribed to alice ('to' in carol's roster, 'from' in alice's).
        carol.send_presence(pto=a, ptype="subscribe")
        run(alice.next_presence(pred=lambda p: p["from"].bare == users["carol"] and p["type"] == "subscribe"))
        alice.send_presence(pto=users["carol"], ptype="subscribed")
        run(carol.roster_pushes.get(lambda iq: (iq["roster"]["items"].get(a) or {}).get("subscription") == "to",
                                    describe="alice, to"))
        run(carol.next_presence(pred=lambda p: p["from"].bare == a and p["type"] == "available", describe="alice on"))
        # dave asked alice and got no answer (none + pending out: ask='subscribe').
        dave.send_presence(pto=a, ptype="subscribe")
        run(dave.roster_pushes.get(lambda iq: (iq["roster"]["items"].get(a) or {}).get("ask") == "subscribe",
                                   describe="alice, ask"))
        # alice asked erin, who is offline (a pending request stored for erin, RFC 6121 §3.1.3).
        alice.send_presence(pto=users["erin"], ptype="subscribe")
        run(alice.roster_pushes.get(lambda iq: (iq["roster"]["items"].get(users["erin"]) or {}).get("ask") == "subscribe",
                                    describe="erin, ask"))
        run(alice.sync())
        for c in (bob, carol, dave):
            run(c.sync())
            c.presences.clear()
            c.roster_pushes.clear()

        r = server.xmppctl("deluser", a)
        assert r.returncode == 0 and "deleted" in r.stdout, (r.stdout, r.stderr)
        run(asyncio.wait_for(alice.lost.wait(), 10))
        assert alice.stream_errors == ["not-authorized"], alice.stream_errors

        # Every online contact sees alice leave its roster.
        for c in (bob, carol, dave):
            run(c.roster_pushes.get(removal_of(a), describe="%s: removal of alice" % c.boundjid.bare))
            run(c.sync())
            assert a not in run(fresh_roster(c)), "alice is still in the roster of %s" % c.boundjid.bare
        # And the presences of §3.2.3 / §3.3.3, from alice's bare JID.
        assert presence_types_from(bob, a) == ["unavailable", "unsubscribe", "unsubscribed"], bob.presences.items
        assert presence_types_from(carol, a) == ["unavailable", "unsubscribed"], carol.presences.items
        assert presence_types_from(dave, a) == ["unsubscribed"], dave.presences.items

        # erin was offline: at login neither a roster item nor the pending request remains.
        erin = Client(users["erin"], "erin-Pass-1")
        run(erin.login(server.ports["c2s"], get_roster=True))
        run(erin.sync())
        assert a not in run(fresh_roster(erin))
        assert not erin.presences.find(lambda p: p["from"].bare == a and p["type"] == "subscribe"), \
            "the request of a deleted account was delivered"

        # With no server running, xmppctl itself removes the deleted account from the rosters.
        run(befriend(bob, carol))
        for c in (bob, carol, dave, erin):
            run(c.close())
        server.stop()
        r = server.xmppctl("deluser", users["carol"])
        assert r.returncode == 0 and "deleted" in r.stdout, (r.stdout, r.stderr)
        server.start()
        bob = login(server, users["bob"], "bob-Pass-1")
        assert run(fresh_roster(bob)) == {}, "carol (deleted while the server was down) is still listed"
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence"))
