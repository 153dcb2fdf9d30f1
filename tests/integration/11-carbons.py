# XEP-0280 Message Carbons with slixmpp: alice on two resources (phone, laptop) enables carbons
# on both (§4); a message bob sends to alice/phone is copied to alice/laptop wrapped in
# <received/> (§6, §7.3); a message alice/phone sends is copied to alice/laptop in <sent/>
# (§7.4); the forwarded message (XEP-0297) is the original. A resource that did not enable
# carbons gets no copies; <private/> with the no-copy hint (§8) is not copied; the server
# advertises urn:xmpp:carbons:2 (§3). Messages to the bare JID: copies only for the interested
# resources that did not get the message itself (§6).
import xmppd_harness as h
from xmpp_clients import Client, run

PLUGINS = ("xep_0030", "xep_0199", "xep_0280", "xep_0334")


def test():
    with h.Server(channel_binding=False) as server:
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        phone = run(Client(a + "/phone", "alice-Pass-1", plugins=PLUGINS).login(server.ports["c2s"]))
        laptop = run(Client(a + "/laptop", "alice-Pass-1", plugins=PLUGINS).login(server.ports["c2s"]))
        tablet = run(Client(a + "/tablet", "alice-Pass-1", plugins=PLUGINS).login(server.ports["c2s"]))
        bob = run(Client(b + "/pc", "bob-Pass-2").login(server.ports["c2s"]))

        info = run(phone["xep_0030"].get_info(jid=h.DOMAIN, timeout=5))
        assert "urn:xmpp:carbons:2" in info["disco_info"]["features"], "XEP-0280 §3"
        run(phone["xep_0280"].enable(timeout=5))
        run(laptop["xep_0280"].enable(timeout=5))

        # Received: bob → alice/phone; laptop gets a <received/> copy, tablet nothing.
        bob.send_message(mto=phone.boundjid, mbody="Czy jest Pani dziś w biurze?", mtype="chat")
        m = run(phone.next_message())
        assert m["body"] == "Czy jest Pani dziś w biurze?"
        carbon = run(laptop.carbons.get(describe="received copy"))
        assert carbon["from"] == a, "§11: the copy comes from the user's bare JID: %s" % carbon["from"]
        assert carbon["to"] == laptop.boundjid, carbon["to"]
        inner = carbon["carbon_received"]
        assert inner["body"] == "Czy jest Pani dziś w biurze?", inner
        assert inner["from"] == bob.boundjid and inner["to"] == phone.boundjid, (inner["from"], inner["to"])
        assert not laptop.messages.items, "the copy is not a second message"

        # Sent: alice/phone → bob; laptop gets a <sent/> copy.
        phone.send_message(mto=bob.boundjid, mbody="Tak, do 16:00.", mtype="chat")
        assert run(bob.next_message())["body"] == "Tak, do 16:00."
        carbon = run(laptop.carbons.get(describe="sent copy"))
        inner = carbon["carbon_sent"]
        assert inner["body"] == "Tak, do 16:00." and inner["to"] == bob.boundjid, inner
        assert inner["from"] == phone.boundjid, inner["from"]
        assert not phone.carbons.items, "the sender gets no copy of its own message"

        # §8: <private/> + no-copy: delivered, never copied.
        m = phone.make_message(mto=bob.boundjid, mbody="tylko z telefonu", mtype="chat")
        m.enable("carbon_private")
        m.enable("no-copy")
        m.send()
        assert run(bob.next_message())["body"] == "tylko z telefonu"
        # A marker after it: once the laptop has the marker's copy, a copy of the private one
        # would have come before it (RFC 6120 §10.1 in-order processing).
        phone.send_message(mto=bob.boundjid, mbody="znacznik", mtype="chat")
        assert run(bob.next_message())["body"] == "znacznik"
        carbon = run(laptop.carbons.get(describe="marker copy"))
        assert carbon["carbon_sent"]["body"] == "znacznik", carbon["carbon_sent"]["body"]

        # The tablet never enabled carbons: no copies at all (§4: per-resource opt-in).
        run(tablet.sync())
        assert not tablet.carbons.items and not tablet.messages.items, tablet.carbons.items

        # To the bare JID (§6): with equal priorities both resources get the message itself and
        # no copy; with the laptop lower, the phone gets it and the laptop a <received/> copy.
        phone.send_presence(ppriority=5)
        laptop.send_presence(ppriority=5)
        for c in (phone, laptop):
            run(c.sync())
        bob.send_message(mto=a, mbody="do obu", mtype="chat")
        assert run(phone.next_message())["body"] == "do obu" and run(laptop.next_message())["body"] == "do obu"
        for c in (phone, laptop):
            run(c.sync())
        assert not phone.carbons.items and not laptop.carbons.items, "a resource that got it gets no copy"
        laptop.send_presence(ppriority=1)
        run(laptop.sync())
        bob.send_message(mto=a, mbody="do najwyższego", mtype="chat")
        assert run(phone.next_message())["body"] == "do najwyższego"
        assert run(laptop.carbons.get(describe="copy of the bare-JID message"))["carbon_received"]["body"] == \
            "do najwyższego"
        run(laptop.sync())
        assert not laptop.messages.items and not phone.carbons.items

        # Disabled again (§5): no more copies for the laptop.
        run(laptop["xep_0280"].disable(timeout=5))
        bob.send_message(mto=phone.boundjid, mbody="Dziękuję!", mtype="chat")
        assert run(phone.next_message())["body"] == "Dziękuję!"
        run(laptop.sync())
        assert not laptop.carbons.items, [str(c) for c in laptop.carbons.items]
        for c in (phone, laptop, tablet, bob):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("carbons", "presence"))
