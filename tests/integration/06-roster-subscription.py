# RFC 6121 §3 presence subscriptions and §2 roster management between two slixmpp users: alice
# asks bob (subscribe), bob approves (subscribed) and asks back, alice approves; roster pushes
# at each step (§3.1.2, §3.1.5, §3.1.6), each sees the other online once subscribed (§3.1.5:
# the contact's current presence follows the approval), and both rosters end with
# subscription='both' and no pending 'ask' (§2.1.2). Then an unsubscribe (§3.3) and a roster
# remove (§2.5) as a user would do them.
# backends: sqlite mariadb
import xmppd_harness as h
from xmpp_clients import Client, run


def push_for(jid, subscription, ask=None):
    """A predicate for a roster push (RFC 6121 §2.1.6) of one item."""
    def pred(iq):
        item = iq["roster"]["items"].get(jid)
        return item is not None and item["subscription"] == subscription and (item.get("ask") or None) == ask
    return pred


def presence_from(bare, ptype):
    return lambda p: p["from"].bare == bare and p["type"] == ptype


async def fresh_roster(client):
    """The roster as the server has it now (RFC 6121 §2.1.3 roster get), not slixmpp's cache."""
    iq = client.make_iq_get(queryxmlns="jabber:iq:roster")
    result = await iq.send(timeout=5)
    return {str(jid): dict(item) for jid, item in result["roster"]["items"].items()}


def test():
    with h.Server(channel_binding=False) as server:
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        alice = run(Client(a, "alice-Pass-1").login(server.ports["c2s"], get_roster=True,
                                                                        status="W biurze"))
        bob = run(Client(b, "bob-Pass-2").login(server.ports["c2s"], get_roster=True))
        assert run(fresh_roster(alice)) == {} and run(fresh_roster(bob)) == {}
        # No subscription yet: neither sees the other's presence (§4.2.2 goes to subscribers only).
        run(alice.sync())
        assert not alice.presences.find(lambda p: p["from"].bare == b)

        # §3.1.1-§3.1.3: alice asks; her roster gets bob with ask='subscribe'; bob sees the request
        # from alice's bare JID.
        alice.send_presence(pto=b, ptype="subscribe")
        run(alice.roster_pushes.get(push_for(b, "none", "subscribe"), describe="bob, none, ask"))
        req = run(bob.next_presence(pred=presence_from(a, "subscribe"), describe="subscribe from alice"))
        assert req["from"] == a and not req["from"].resource, "RFC 6121 §3.1.2: stamped with the bare JID"

        # §3.1.5: bob approves: bob's roster has alice with 'from'; alice's has bob with 'to', she
        # gets 'subscribed' and bob's current presence right after it.
        bob.send_presence(pto=a, ptype="subscribed")
        run(bob.roster_pushes.get(push_for(a, "from"), describe="alice, from"))
        run(alice.roster_pushes.get(push_for(b, "to"), describe="bob, to"))
        run(alice.next_presence(pred=presence_from(b, "subscribed"), describe="subscribed from bob"))
        online = run(alice.next_presence(pred=presence_from(b, "available"), describe="bob online"))
        assert online["from"] == bob.boundjid, "presence comes from the contact's full JID"

        # And back: bob asks, alice approves: both 'both'; bob sees alice online with her status.
        bob.send_presence(pto=a, ptype="subscribe")
        run(alice.next_presence(pred=presence_from(b, "subscribe"), describe="subscribe from bob"))
        alice.send_presence(pto=b, ptype="subscribed")
        run(alice.roster_pushes.get(push_for(b, "both"), describe="bob, both"))
        run(bob.roster_pushes.get(push_for(a, "both"), describe="alice, both"))
        seen = run(bob.next_presence(pred=presence_from(a, "available"), describe="alice online"))
        assert seen["status"] == "W biurze", seen["status"]
        for client, contact in ((alice, b), (bob, a)):
            roster = run(fresh_roster(client))
            assert list(roster) == [contact], roster
            assert roster[contact]["subscription"] == "both", roster
            assert not roster[contact].get("ask"), "no pending request remains: %s" % roster

        # A status change reaches the subscriber (RFC 6121 §4.4.2).
        bob.send_presence(pshow="away", pstatus="Na spotkaniu")
        away = run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid and p["show"] == "away",
                                       describe="bob away"))
        assert away["status"] == "Na spotkaniu", away["status"]

        # §3.3: alice unsubscribes: her item goes to 'from', bob's to 'to', and she gets bob's
        # unavailable presence (§3.3.3): she no longer sees him.
        alice.send_presence(pto=b, ptype="unsubscribe")
        run(alice.roster_pushes.get(push_for(b, "from"), describe="bob, from"))
        run(bob.roster_pushes.get(push_for(a, "to"), describe="alice, to"))
        run(alice.next_presence(pred=presence_from(b, "unavailable"), describe="bob's unavailable"))

        # §2.5: alice removes bob from her roster: push with subscription='remove'; bob loses
        # his subscription to her ('none') and gets her unavailable presence.
        alice.del_roster_item(b)
        run(alice.roster_pushes.get(push_for(b, "remove"), describe="bob, remove"))
        run(bob.roster_pushes.get(push_for(a, "none"), describe="alice, none"))
        run(bob.next_presence(pred=presence_from(a, "unavailable"), describe="alice's unavailable"))
        assert run(fresh_roster(alice)) == {}
        run(alice.close())
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence"))
