# XEP-0030 §3.1 (and its security considerations) with RFC 6121 §8.5.1: a disco#info query to an
# account's bare JID is answered with the account/registered identity only to the account itself
# and to a JID with a presence subscription to it ('from' or 'both' in the account's roster).
# Anyone else, and any query to an account that does not exist, gets the same
# service-unavailable, so a stranger cannot tell which accounts exist.
# backends: sqlite mariadb
import xmppd_harness as h
from xmpp_clients import Client, run
from slixmpp.exceptions import IqError

DISCO_INFO = "<query xmlns='http://jabber.org/protocol/disco#info'/>"
DISCO_ITEMS = "<query xmlns='http://jabber.org/protocol/disco#items'/>"


def account_identity(client, jid):
    """The identities the server shows `client` for `jid`; raises IqError when refused."""
    info = run(client["xep_0030"].get_info(jid=jid, local=False, cached=False))
    return info["disco_info"]["identities"]


def refused(client, jid, payload=DISCO_INFO):
    """The error condition a disco query to `jid` gets (it must get one)."""
    return run(client.iq_error(client.raw_iq("get", jid, payload)))


def test():
    with h.Server(channel_binding=False) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        alice = run(Client(a, "alice-Pass-1").login(server.ports["c2s"], get_roster=True))
        bob = run(Client(b, "bob-Pass-2").login(server.ports["c2s"], get_roster=True))
        carol = run(Client(c, "carol-Pass-3").login(server.ports["c2s"], get_roster=True))

        # The account itself always sees its own identity.
        assert ("account", "registered", None, None) in account_identity(alice, a)

        # Before any subscription: service-unavailable for an existing account and for one that
        # does not exist (the same answer: no existence leak).
        assert refused(alice, b) == "service-unavailable"
        assert refused(alice, "nobody@" + h.DOMAIN) == "service-unavailable"
        assert refused(alice, b, DISCO_ITEMS) == "service-unavailable"
        assert refused(alice, "nobody@" + h.DOMAIN, DISCO_ITEMS) == "service-unavailable"

        # RFC 6121 §3.1: alice subscribes to bob's presence and bob approves. bob's roster then has
        # alice with 'from', alice's has bob with 'to'.
        alice.send_presence(pto=b, ptype="subscribe")
        run(bob.next_presence(pred=lambda p: p["from"].bare == a and p["type"] == "subscribe",
                              describe="subscribe from alice"))
        bob.send_presence(pto=a, ptype="subscribed")
        run(alice.roster_pushes.get(lambda iq: (iq["roster"]["items"].get(b) or {}).get("subscription") == "to",
                                    describe="bob with 'to'"))

        # alice (a subscriber of bob) now sees bob's account; bob (not a subscriber of alice's
        # presence: 'to' only) still does not see alice's; carol sees neither.
        assert ("account", "registered", None, None) in account_identity(alice, b)
        assert refused(bob, a) == "service-unavailable"
        assert refused(carol, b) == "service-unavailable"
        assert refused(carol, a) == "service-unavailable"

        # alice approves bob's request too: now 'both' on each side and bob sees alice.
        bob.send_presence(pto=a, ptype="subscribe")
        run(alice.next_presence(pred=lambda p: p["from"].bare == b and p["type"] == "subscribe",
                                describe="subscribe from bob"))
        alice.send_presence(pto=b, ptype="subscribed")
        run(bob.roster_pushes.get(lambda iq: (iq["roster"]["items"].get(a) or {}).get("subscription") == "both",
                                  describe="alice with 'both'"))
        assert ("account", "registered", None, None) in account_identity(bob, a)

        # The refusal is an error, not a disguised empty result (a user's client shows "unavailable").
        try:
            account_identity(carol, b)
            raise AssertionError("carol saw bob's account without a subscription")
        except IqError as e:
            assert e.iq["error"]["condition"] == "service-unavailable", e.iq
        for client in (alice, bob, carol):
            run(client.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence"))
