# XEP-0198 stream management with slixmpp's plugin: <enable resume='true'/> (§3, §5); the TCP
# connection is lost without </stream:stream> (a phone leaving coverage) while another user
# sends messages; the client reconnects and resumes (<resume h=…/>, §5): the messages that were
# not acknowledged arrive, in order, none lost and none twice, and the full JID is the same.
# Resuming from a second connection while the first is still open moves the session and closes
# the old stream with <conflict/>; an unknown id gets <failed><item-not-found/></failed>.
import logging

import xmppd_harness as h
from xmpp_clients import Client, run

# slixmpp 1.8 empties its own unacked queue when it sends <resume/>, then logs "Inconsistent
# sequence numbers" when <resumed h=…/> acknowledges what it sent before: its quirk, not ours.
logging.getLogger("slixmpp.plugins.xep_0198.stream_management").setLevel(logging.CRITICAL)


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "alice-Pass-1")
        bob_jid = server.adduser("bob", "bob-Pass-2")
        bob = Client(bob_jid + "/phone", "bob-Pass-2", plugins=("xep_0030", "xep_0199", "xep_0198"))
        run(bob.login(server.ports["c2s"]))
        run(bob.sm_enabled.wait(), timeout=5)
        assert bob["xep_0198"].sm_id, "XEP-0198 §5: <enabled/> must carry an id when resume was asked"
        alice = Client(alice_jid, "alice-Pass-1")
        run(alice.login(server.ports["c2s"]))

        alice.send_message(mto=bob.boundjid, mbody="wiadomość 0", mtype="chat")
        assert run(bob.next_message())["body"] == "wiadomość 0"

        bob.drop()
        run(bob.lost.wait(), timeout=5)
        bodies = ["wiadomość %d" % i for i in range(1, 8)]
        for body in bodies:
            alice.send_message(mto=bob.boundjid, mbody=body, mtype="chat")
        run(alice.sync())  # the server has routed all of them (to the detached session)
        assert not alice.errors.items, "XEP-0198 §5: a detached session still takes its messages"

        run(bob.reconnect_and_resume(server.ports["c2s"]))
        assert str(bob.boundjid) == bob_jid + "/phone", bob.boundjid
        got = [run(bob.next_message())["body"] for _ in bodies]
        assert got == bodies, got
        run(bob.sync())
        assert not bob.messages.items, "duplicates after resumption: %s" % [m["body"] for m in bob.messages.items]

        # The resumed session is the same session: still reachable, and listed once.
        alice.send_message(mto=bob.boundjid, mbody="po wznowieniu", mtype="chat")
        assert run(bob.next_message())["body"] == "po wznowieniu"
        online = server.xmppctl("online").stdout.splitlines()
        assert sum(1 for l in online if l.startswith(bob_jid + "/")) == 1, online

        # A second drop and resumption of the same session works as well (new previd each time
        # is not required; the id stays valid while the session lives).
        bob.drop()
        run(bob.lost.wait(), timeout=5)
        alice.send_message(mto=bob.boundjid, mbody="drugie zerwanie", mtype="chat")
        run(alice.sync())
        run(bob.reconnect_and_resume(server.ports["c2s"]))
        assert run(bob.next_message())["body"] == "drugie zerwanie"

        # Wi-Fi → LTE: a new connection resumes while the old one is still open; the old one is
        # closed with <conflict/> and the session goes on over the new one.
        lte = Client(bob_jid + "/phone", "bob-Pass-2", plugins=("xep_0030", "xep_0199", "xep_0198"))
        for state in ("sm_id", "handled", "seq", "last_ack"):  # what the app would carry over
            setattr(lte["xep_0198"], state, getattr(bob["xep_0198"], state))
        run(lte.reconnect_and_resume(server.ports["c2s"]))
        run(bob.lost.wait(), timeout=5)
        assert bob.stream_errors == ["conflict"], bob.stream_errors
        alice.send_message(mto=lte.boundjid, mbody="przez LTE", mtype="chat")
        assert run(lte.next_message())["body"] == "przez LTE"
        bob = lte

        # An unknown or already used id: <failed><item-not-found/></failed> and a fresh session.
        carol = Client(bob_jid + "/tablet", "bob-Pass-2", plugins=("xep_0030", "xep_0199", "xep_0198"))
        carol["xep_0198"].sm_id = "0123456789abcdef0123456789abcdef"
        failed = []
        carol.add_event_handler("sm_failed", failed.append)
        run(carol.login(server.ports["c2s"]))
        assert failed and failed[0].xml.find("{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None
        assert carol["xep_0198"].sm_id != "0123456789abcdef0123456789abcdef", "a new session is enabled"
        run(carol.close())
        run(bob.close())
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
