# RFC 6121 §5 one-to-one chat between online users with slixmpp: a chat message to the bare JID
# reaches the contact's resource (§8.5.2.1.1), the reply goes to the sender's full JID
# (§5.1 "locking in"); the server stamps 'from' with the sender's full JID (RFC 6120 §8.1.2.1),
# keeps 'id', 'type', <thread/> and the body exactly (Polish diacritics, emoji, markup-like
# text escaped, a long body), in order. None of it is written to the server log (DESIGN.md).
import xmppd_harness as h
from xmpp_clients import Client, run

BODIES = [
    "Dzień dobry, chciałbym zapytać o dotację na fotowoltaikę.",
    "Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ. Łódź, Piotrków Trybunalski, Skierniewice 🇵🇱🇪🇺",
    "Kwota < 50 000 zł & termin \"do 30.06\" — czy to <b>możliwe</b>?",
    "ą" * 20000,
]


def test():
    with h.Server(channel_binding=False) as server:
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        alice = run(Client(a + "/konsultant", "alice-Pass-1").login(server.ports["c2s"]))
        bob = run(Client(b + "/dom", "bob-Pass-2").login(server.ports["c2s"]))

        for i, body in enumerate(BODIES):
            m = alice.make_message(mto=b, mbody=body, mtype="chat")
            m["id"] = "msg-%d" % i
            m["thread"] = "wniosek-42"
            m.send()
        for i, body in enumerate(BODIES):
            got = run(bob.next_message())
            assert got["body"] == body, (i, got["body"][:80])
            assert got["from"] == alice.boundjid, got["from"]
            assert got["to"].bare == b, got["to"]
            assert (got["id"], got["type"], got["thread"]) == ("msg-%d" % i, "chat", "wniosek-42"), got

        # The reply goes to the full JID the message came from.
        bob.send_message(mto=got["from"], mbody="Tak, zapraszam do punktu w Łodzi.", mtype="chat")
        reply = run(alice.next_message())
        assert reply["body"] == "Tak, zapraszam do punktu w Łodzi." and reply["from"] == bob.boundjid, reply

        # A 'normal' message (no type) is delivered as well (§5.2.2).
        alice.send_message(mto=b, mbody="Wiadomość bez typu")
        got = run(bob.next_message())
        assert got["body"] == "Wiadomość bez typu" and got["type"] == "normal", got

        # Nobody got an error, nothing arrived twice.
        run(alice.sync())
        run(bob.sync())
        assert not alice.errors.items and not bob.errors.items
        assert not alice.messages.items and not bob.messages.items
        run(alice.close())
        run(bob.close())
        # DESIGN.md, privacy: no message bodies in the log by default.
        log = server.log_text()
        assert not [b for b in BODIES if b[:30] in log], "a message body is in the server log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("presence",))
