# XEP-0160 offline messages (RFC 6121 §8.5.2.2): bob is not connected, alice sends him chat and
# normal messages to his bare JID; they are stored, not bounced, and delivered when bob next
# sends initial presence, in order, each with XEP-0203 <delay from='localhost' stamp=…/>; they
# are delivered once. Headlines are not stored (XEP-0160 §3), and a message to an account that
# does not exist is answered with service-unavailable, not stored (RFC 6121 §8.5.1).
# backends: sqlite mariadb
import datetime

import xmppd_harness as h
from xmpp_clients import Client, run

NS_DELAY = "{urn:xmpp:delay}delay"


def test():
    with h.Server(channel_binding=False) as server:
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        # bob was online once and went away cleanly (and has never been online at all: same rules).
        bob = run(Client(b, "bob-Pass-2").login(server.ports["c2s"]))
        run(bob.close())

        alice = run(Client(a + "/biuro", "alice-Pass-1").login(server.ports["c2s"]))
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        bodies = ["Pierwsza: termin naboru mija w piątek.", "Druga: proszę o kontakt — Łódź.", "Trzecia 🙂"]
        alice.send_message(mto=b, mbody=bodies[0], mtype="chat")
        alice.send_message(mto=b, mbody=bodies[1])  # type normal
        alice.send_message(mto=b, mbody="ogłoszenie", mtype="headline")
        alice.send_message(mto=b, mbody=bodies[2], mtype="chat")
        alice.send_message(mto="nikt@localhost", mbody="do nikogo", mtype="chat")
        err = run(alice.errors.get(describe="error for nikt@localhost"))
        assert err["from"].bare == "nikt@localhost" and err["error"]["condition"] == "service-unavailable", err
        run(alice.sync())
        assert not alice.errors.items, "offline messages must not bounce: %s" % alice.errors.items

        # bob logs in: the stored messages arrive after his initial presence.
        bob = run(Client(b + "/dom", "bob-Pass-2").login(server.ports["c2s"]))
        got = [run(bob.next_message()) for _ in bodies]
        assert [m["body"] for m in got] == bodies, [m["body"] for m in got]
        for m in got:
            assert m["from"] == alice.boundjid, m["from"]
            delay = m.xml.find(NS_DELAY)
            assert delay is not None, "XEP-0203 <delay/> missing: %s" % m
            assert delay.get("from") == h.DOMAIN, delay.attrib
            stamp = datetime.datetime.strptime(delay.get("stamp")[:19], "%Y-%m-%dT%H:%M:%S").replace(
                tzinfo=datetime.timezone.utc)
            assert delay.get("stamp").endswith("Z"), "XEP-0082: UTC: %s" % delay.get("stamp")
            assert before - datetime.timedelta(seconds=2) <= stamp <= before + datetime.timedelta(minutes=1), stamp
        run(bob.sync())
        assert not bob.messages.items, "the headline is not stored: %s" % [m["body"] for m in bob.messages.items]
        run(bob.close())

        # Delivered once: the next login gets nothing.
        bob = run(Client(b + "/dom", "bob-Pass-2").login(server.ports["c2s"]))
        run(bob.sync())
        assert not bob.messages.items, [m["body"] for m in bob.messages.items]

        # While bob is online, alice's messages are not delayed.
        alice.send_message(mto=b, mbody="na żywo", mtype="chat")
        m = run(bob.next_message())
        assert m["body"] == "na żywo" and m.xml.find(NS_DELAY) is None, m
        run(bob.close())
        run(alice.close())
        log = server.log_text()  # DESIGN.md: no message bodies in logs, stored or not
        assert not [b for b in bodies + ["ogłoszenie", "do nikogo", "na żywo"] if b in log], "body in the log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("presence", "offline"))
