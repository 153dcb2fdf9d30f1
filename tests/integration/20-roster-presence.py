# RFC 6121 with real clients (slixmpp): a roster set and its push, a subscription handshake
# between two online users (slixmpp approves requests and asks back on its own), presence
# broadcast and probes, unavailable presence when a client disconnects, a request to an
# offline user delivered at its next login, XEP-0237 versions.
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
from xmpp_clients import LOOP, Client, run


async def until(predicate, what, timeout=10):
    deadline = LOOP.time() + timeout
    while not predicate():
        if LOOP.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        await asyncio.sleep(0.05)


def subscription(client, jid):
    return client.client_roster[jid]["subscription"] if jid in client.client_roster else None


def online(client, jid):
    return jid in client.client_roster and bool(client.client_roster[jid].resources)


def approving(jid, password):
    """A client that approves subscription requests and asks back on its own (slixmpp's
    auto_authorize/auto_subscribe; the shared Client leaves the decision to the test)."""
    c = Client(jid, password)
    c.auto_authorize = True
    c.auto_subscribe = True
    return c


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "alice-secret")
        bob_jid = server.adduser("bob", "bob-secret")
        carol_jid = server.adduser("carol", "carol-secret")
        port = server.ports["c2s"]

        alice = run(approving(alice_jid, "alice-secret").login(port, get_roster=True))
        bob = run(approving(bob_jid, "bob-secret").login(port, get_roster=True))
        assert alice.client_roster.version, "XEP-0237: the roster result carries a version"

        # §2.3: a roster set; the push updates the client's roster.
        run(alice.update_roster(bob_jid, name="Bob", groups=["Work"]))
        run(until(lambda: bob_jid in alice.client_roster and alice.client_roster[bob_jid]["name"] == "Bob",
                  "the roster push"))
        assert alice.client_roster[bob_jid]["groups"] == ["Work"]

        # §3.1: Alice asks; Bob's client approves and asks back; Alice's approves: both.
        alice.send_presence_subscription(pto=bob_jid)
        run(until(lambda: subscription(alice, bob_jid) == "both" and subscription(bob, alice_jid) == "both",
                  "a mutual subscription"))
        # §4: each sees the other online (broadcast after approval, or the probe's answer).
        run(until(lambda: online(alice, bob_jid) and online(bob, alice_jid), "each other's presence"))

        # §4.5.2: the server sends unavailable presence for a client that goes away.
        run(bob.close())
        run(until(lambda: not online(alice, bob_jid), "Bob's unavailable presence"))

        # §3.1.3: a request to an offline user waits for its next login.
        alice.send_presence_subscription(pto=carol_jid)
        run(until(lambda: alice.client_roster[carol_jid]["pending_out"], "the pending request"))
        carol = run(approving(carol_jid, "carol-secret").login(port, get_roster=True))
        run(until(lambda: subscription(alice, carol_jid) in ("to", "both"), "Carol's approval"))
        run(until(lambda: online(alice, carol_jid), "Carol's presence"))

        # Bob again: the probes at his initial presence tell him Alice is online.
        bob2 = run(approving(bob_jid, "bob-secret").login(port, get_roster=True))
        assert subscription(bob2, alice_jid) == "both"
        run(until(lambda: online(bob2, alice_jid), "the probe's answer"))

        for c in (alice, bob2, carol):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
