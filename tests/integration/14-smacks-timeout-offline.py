# XEP-0198 §5: a session that is never resumed ends when the resumption window closes
# (limits.smacks_resume_timeout, here 2 s); the stanzas it never acknowledged are then handled
# as undeliverable: its messages go to offline storage (XEP-0160) and reach the user at the next
# login, marked with XEP-0203 delayed delivery. What the client acknowledged is not repeated.
# Contacts keep seeing the user online during the window and get unavailable presence when it
# closes (RFC 6121 §4.5.2). A restart while a session waits for resumption ends it the same way:
# its unacknowledged messages are stored, not lost.
# backends: sqlite mariadb
import time

import xmppd_harness as h
from xmpp_clients import Client, befriend, run

NS_DELAY = "{urn:xmpp:delay}delay"
SM = ("xep_0030", "xep_0199", "xep_0198")


def wait_offline(server, bare, timeout=10):
    """Until `xmppctl online` no longer lists a session of `bare` (bounded)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = server.xmppctl("online").stdout.splitlines()
        if not any(l.startswith(bare + "/") for l in lines):
            return
        time.sleep(0.1)
    raise AssertionError("the detached session of %s did not end within %s s" % (bare, timeout))


def test():
    with h.Server(channel_binding=False, limits={"smacks_resume_timeout": '"2s"'}) as server:
        alice_jid = server.adduser("alice", "alice-Pass-1")
        bob_jid = server.adduser("bob", "bob-Pass-2")
        bob = Client(bob_jid + "/phone", "bob-Pass-2", plugins=SM)
        run(bob.login(server.ports["c2s"], get_roster=True))
        run(bob.sm_enabled.wait(), timeout=5)
        alice = Client(alice_jid, "alice-Pass-1")
        run(alice.login(server.ports["c2s"], get_roster=True))
        run(befriend(alice, bob))

        alice.send_message(mto=bob.boundjid, mbody="odebrana przed zerwaniem", mtype="chat")
        assert run(bob.next_message())["body"] == "odebrana przed zerwaniem"
        bob["xep_0198"].send_ack()  # <a h=…/>: the server may forget it now
        run(bob.sync())

        bob.drop()
        run(bob.lost.wait(), timeout=5)
        bodies = ["zaległa %d — żółw" % i for i in range(1, 4)]
        for body in bodies[:2]:
            alice.send_message(mto=bob.boundjid, mbody=body, mtype="chat")  # to the full JID
        alice.send_message(mto=bob_jid, mbody=bodies[2], mtype="chat")  # and to the bare JID
        run(alice.sync())
        assert not alice.presences.find(lambda p: p["from"] == bob.boundjid), "still online while resumable"
        wait_offline(server, bob_jid)  # the 2 s window passes without a <resume/>
        assert not alice.errors.items, [str(e) for e in alice.errors.items]
        p = run(alice.next_presence(pred=lambda p: p["from"] == bob.boundjid, describe="bob unavailable"))
        assert p["type"] == "unavailable", p["type"]

        # The next login (a new session, no resumption) gets them from offline storage.
        bob2 = Client(bob_jid + "/laptop", "bob-Pass-2")
        run(bob2.login(server.ports["c2s"]))
        got = [run(bob2.next_message()) for _ in bodies]
        assert [m["body"] for m in got] == bodies, [m["body"] for m in got]
        for m in got:
            delay = m.xml.find(NS_DELAY)
            assert delay is not None, "XEP-0203: offline messages carry <delay/>: %s" % m
            assert delay.get("from") == h.DOMAIN and delay.get("stamp", "").endswith("Z"), delay.attrib
            assert m["from"].bare == alice_jid, m["from"]
        run(bob2.sync())
        assert not bob2.messages.items, "acknowledged or duplicated: %s" % [m["body"] for m in bob2.messages.items]
        run(bob2.close())

        # A restart while a session waits for resumption: its messages are stored at shutdown.
        bob = run(Client(bob_jid + "/phone", "bob-Pass-2", plugins=SM).login(server.ports["c2s"]))
        run(bob.sm_enabled.wait(), timeout=5)
        bob.drop()
        run(bob.lost.wait(), timeout=5)
        for i in range(3):
            alice.send_message(mto=bob.boundjid, mbody="przed restartem %d" % i, mtype="chat")
        run(alice.sync())
        server.restart()
        bob2 = run(Client(bob_jid + "/laptop", "bob-Pass-2").login(server.ports["c2s"]))
        got = [run(bob2.next_message())["body"] for _ in range(3)]
        assert got == ["przed restartem %d" % i for i in range(3)], got
        run(bob2.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence", "offline"))
