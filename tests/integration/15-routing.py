# RFC 6120 §8/§10 and RFC 6121 §8 stanza routing with real clients. bob has two resources,
# "desk" (priority 5) and "phone" (priority 1):
#  - a message to a full JID reaches that resource only (RFC 6121 §8.5.3.1);
#  - a message to the bare JID reaches the highest-priority resource only (§8.5.2.1.1); with
#    equal priorities this server gives it to each of them (the RFC allows either); a negative
#    priority never gets bare-JID messages (§4.7.2.3);
#  - a message to a full JID that is not online falls back to the bare JID (§8.5.3.2.1);
#  - an IQ to a resource that is not online, to an unknown namespace of the server or of an
#    account, or to an account that does not exist, is answered with <service-unavailable/>
#    (RFC 6120 §8.4, RFC 6121 §8.5.1, §8.5.3.2.3); an IQ to an online full JID is answered by
#    that client; a stanza for another domain gets <remote-server-not-found/> (federation is off,
#    RFC 6120 §8.3.3.15);
#  - a subscribed contact sees bob's resources go unavailable when they disconnect (§4.5.2).
import xmppd_harness as h
from xmpp_clients import Client, befriend, run

UNKNOWN = "<query xmlns='urn:example:nie-istnieje'/>"


def bodies(client):
    return [m["body"] for m in client.messages.items]


def test():
    with h.Server(channel_binding=False) as server:
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        port = server.ports["c2s"]
        alice = run(Client(a + "/biuro", "alice-Pass-1").login(port, get_roster=True))
        desk = run(Client(b + "/desk", "bob-Pass-2").login(port, get_roster=True, priority=5))
        phone = run(Client(b + "/phone", "bob-Pass-2").login(port, get_roster=True, priority=1))
        run(befriend(alice, desk))

        def settle():
            run(alice.sync())
            run(desk.sync())
            run(phone.sync())

        # Full JID: only that resource, even the lower-priority one.
        alice.send_message(mto=phone.boundjid, mbody="do telefonu", mtype="chat")
        alice.send_message(mto=desk.boundjid, mbody="do biurka", mtype="chat")
        settle()
        assert bodies(phone) == ["do telefonu"] and bodies(desk) == ["do biurka"], (bodies(phone), bodies(desk))
        phone.messages.clear()
        desk.messages.clear()

        # Bare JID: the highest priority only.
        alice.send_message(mto=b, mbody="do konta", mtype="chat")
        settle()
        assert bodies(desk) == ["do konta"] and bodies(phone) == [], (bodies(desk), bodies(phone))
        desk.messages.clear()
        # The phone raises its priority above the desk: now it gets them.
        phone.send_presence(ppriority=10)
        run(alice.next_presence(pred=lambda p: p["from"] == phone.boundjid and p["priority"] == 10))
        alice.send_message(mto=b, mbody="teraz telefon", mtype="chat")
        settle()
        assert bodies(phone) == ["teraz telefon"] and bodies(desk) == [], (bodies(phone), bodies(desk))
        phone.messages.clear()
        # Equal priorities: each gets it (this server's choice of the two in §8.5.2.1.1).
        desk.send_presence(ppriority=10)
        run(alice.next_presence(pred=lambda p: p["from"] == desk.boundjid and p["priority"] == 10))
        alice.send_message(mto=b, mbody="do obu", mtype="chat")
        settle()
        assert bodies(phone) == ["do obu"] and bodies(desk) == ["do obu"], (bodies(phone), bodies(desk))
        phone.messages.clear()
        desk.messages.clear()
        # A negative priority never receives bare-JID messages (§4.7.2.3).
        phone.send_presence(ppriority=-1)
        run(alice.next_presence(pred=lambda p: p["from"] == phone.boundjid and p["priority"] == -1))
        alice.send_message(mto=b, mbody="nie do telefonu", mtype="chat")
        settle()
        assert bodies(desk) == ["nie do telefonu"] and bodies(phone) == [], (bodies(desk), bodies(phone))
        desk.messages.clear()

        # A full JID that is not online: a chat message goes to the bare JID (§8.5.3.2.1).
        alice.send_message(mto=b + "/nieobecny", mbody="zgubiony zasób", mtype="chat")
        settle()
        assert bodies(desk) == ["zgubiony zasób"] and not alice.errors.items, (bodies(desk), alice.errors.items)
        desk.messages.clear()

        # IQs (RFC 6120 §8.2.3: every get/set gets exactly one answer).
        cases = [
            (b + "/nieobecny", "<ping xmlns='urn:xmpp:ping'/>", "service-unavailable"),  # RFC 6121 §8.5.3.2.3
            (h.DOMAIN, UNKNOWN, "service-unavailable"),  # RFC 6120 §8.4
            (b, UNKNOWN, "service-unavailable"),  # RFC 6121 §8.5.2.1.3 / §8.5.1
            ("nikt@" + h.DOMAIN, "<ping xmlns='urn:xmpp:ping'/>", "service-unavailable"),  # §8.5.1
            ("ktos@example.net", "<ping xmlns='urn:xmpp:ping'/>", "remote-server-not-found"),  # RFC 6120 §8.3.3.15
        ]
        for to, payload, condition in cases:
            got = run(alice.iq_error(alice.raw_iq("get", to, payload)))
            assert got == condition, (to, payload, got)
        # An IQ to an online full JID is the client's to answer: disco#info by bob's slixmpp.
        info = run(alice["xep_0030"].get_info(jid=desk.boundjid, timeout=5))
        assert info["from"] == desk.boundjid and info["type"] == "result", info
        # A message to another domain comes back as an error too.
        alice.send_message(mto="ktos@example.net", mbody="federacja wyłączona", mtype="chat")
        err = run(alice.errors.get(describe="remote-server-not-found"))
        assert err["error"]["condition"] == "remote-server-not-found", err

        # Disconnecting resources: alice sees each go unavailable (RFC 6121 §4.5.2).
        run(phone.close())
        p = run(alice.next_presence(pred=lambda p: p["from"] == phone.boundjid and p["type"] == "unavailable",
                                    describe="phone unavailable"))
        run(desk.close())
        p = run(alice.next_presence(pred=lambda p: p["from"] == desk.boundjid and p["type"] == "unavailable",
                                    describe="desk unavailable"))
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence"))
