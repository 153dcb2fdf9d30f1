# XEP-0198 over WebSocket (RFC 7395) with xmpp.js: stream management is offered and enabled
# with resumption (§3, §5); acks flow both ways (§4); the WebSocket is lost without <close/>
# (a laptop lid closed) while a TCP client keeps writing; xmpp.js reconnects and resumes the
# same session (<resumed/>), and what was sent meanwhile arrives once. Same session rules as
# on TCP: the sender never saw an error.
import xmppd_harness as h
from web_clients import NodeClient
from xmpp_clients import Client, run


def test():
    with h.Server(channel_binding=False, extra_listeners=[{"type": "http", "tls": "none"}]) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        ws = "ws://127.0.0.1:%d/xmpp-websocket" % server.extra_port(0)
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))
        alice = NodeClient("xmppjs_client.mjs", {"service": ws, "domain": h.DOMAIN, "username": "alice",
                                                 "password": "alice-Pass-1", "resource": "laptop"})
        try:
            ev = alice.expect(lambda e: "online" in e or "error" in e, describe="online")
            assert ev.get("online") == a + "/laptop", ev
            ev = alice.expect(lambda e: "sm_enabled" in e or "sm_failed" in e, describe="<enabled/>")
            assert ev.get("sm_enabled") and ev.get("resume") == "true", "XEP-0198 not enabled over WebSocket: %s" % ev
            sm_id = ev["sm_enabled"]

            # §4: the server acknowledges what the client sent.
            alice.command(send={"to": b, "body": "pierwsza", "id": "a1"})
            assert run(bob.next_message())["body"] == "pierwsza"
            ev = alice.expect(lambda e: "acked" in e or "error" in e, describe="an ack from the server")
            assert ev.get("acked") == "a1", ev

            bob.send_message(mto=a + "/laptop", mbody="przed zerwaniem", mtype="chat")

            run(bob.sync())  # slixmpp writes only while its loop runs
            assert alice.expect(lambda e: "message" in e)["message"]["body"] == "przed zerwaniem"

            alice.command(drop=True)
            alice.expect(lambda e: e.get("status") == "disconnect" or "offline" in e, describe="disconnect")
            bodies = ["w trakcie zerwania %d" % i for i in range(3)]
            for body in bodies:
                bob.send_message(mto=a + "/laptop", mbody=body, mtype="chat")
            run(bob.sync())
            assert not bob.errors.items, "XEP-0198 §5: a detached session still takes its messages"

            alice.command(reconnect=True)
            ev = alice.expect(lambda e: "resumed" in e or "error" in e or "online" in e, describe="resumed")
            assert ev.get("resumed") is True and ev.get("sm_id") == sm_id, ev
            got = [alice.expect(lambda e: "message" in e, describe="a queued message")["message"]["body"]
                   for _ in bodies]
            assert got == bodies, got

            # Still the same session: one alice/laptop, reachable, nothing twice.
            online = [l for l in server.xmppctl("online").stdout.splitlines() if l.startswith(a + "/")]
            assert len(online) == 1, online
            bob.send_message(mto=a + "/laptop", mbody="po wznowieniu", mtype="chat")
            run(bob.sync())  # slixmpp writes only while its loop runs
            assert alice.expect(lambda e: "message" in e)["message"]["body"] == "po wznowieniu"
            assert not [e for e in alice.seen if "message" in e], alice.seen
        finally:
            alice.close()
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
