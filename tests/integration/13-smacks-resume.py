# XEP-0198 stream management with slixmpp's plugin: <enable resume='true'/> (§3, §5); the TCP
# connection is lost without </stream:stream> (a phone leaving coverage) while another user
# sends messages; the client reconnects and resumes (<resume h=…/>, §5): the messages that were
# not acknowledged arrive, in order, none lost and none twice, and the full JID is the same.
import xmppd_harness as h
from xmpp_clients import Client, run


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "alice-Pass-1")
        bob_jid = server.adduser("bob", "bob-Pass-2")
        bob = Client(bob_jid + "/phone", "bob-Pass-2", plugins=("xep_0030", "xep_0199", "xep_0198"))
        run(bob.login(server.ports["c2s"]))
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
