# XMPP over WebSocket (RFC 7395) with web libraries from npm, in Node: xmpp.js logs in with SCRAM
# (SCRAM-SHA-1: the best it implements), strophe.js with SCRAM-SHA-256 (RFC 7677), a visitor logs
# in anonymously on guest.D (XEP-0175), and each exchanges messages with a slixmpp client on
# TCP (RFC 6121 §5): a WebSocket session is routed like any other. A wrong password fails
# (RFC 6120 §6.5.10), and wss:// on the HTTPS listener works with the c2s certificate.
import xmppd_harness as h
from web_clients import NodeClient
from xmpp_clients import Client, run


def online_or_error(e):
    return "online" in e or "error" in e or e.get("status") in ("AUTHFAIL", "CONNFAIL", "DISCONNECTED")


def test():
    with h.Server(channel_binding=False, extra_listeners=[{"type": "http", "tls": "none"}]) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        ws = "ws://127.0.0.1:%d/xmpp-websocket" % server.extra_port(0)
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))
        clients = []
        try:
            alice = NodeClient("xmppjs_client.mjs", {"service": ws, "domain": h.DOMAIN, "username": "alice",
                                                     "password": "alice-Pass-1", "resource": "web"})
            clients.append(alice)
            ev = alice.expect(online_or_error, describe="xmpp.js online")
            assert ev.get("online") == a + "/web", ev

            alice.command(send={"to": b, "body": "Dzień dobry z przeglądarki 🇪🇺", "id": "w1"})
            got = run(bob.next_message())
            assert got["body"] == "Dzień dobry z przeglądarki 🇪🇺" and got["from"] == a + "/web", got
            bob.send_message(mto=a + "/web", mbody="Odpowiedź <b>z</b> Gajima & spółki", mtype="chat")
            run(bob.sync())  # slixmpp writes only while its loop runs
            ev = alice.expect(lambda e: "message" in e, describe="message over WebSocket")
            assert ev["message"] == {"from": b + "/desk", "body": "Odpowiedź <b>z</b> Gajima & spółki"}, ev

            carol = NodeClient("strophe_client.mjs", {"service": ws, "jid": c + "/strophe", "password": "carol-Pass-3",
                                                      "send_to": b, "body": "SCRAM-SHA-256 przez WebSocket"})
            clients.append(carol)
            ev = carol.expect(online_or_error, describe="strophe.js online")
            assert ev.get("online") == c + "/strophe" and ev.get("mechanism") == "SCRAM-SHA-256", ev
            got = run(bob.next_message())
            assert got["body"] == "SCRAM-SHA-256 przez WebSocket" and got["from"] == c + "/strophe", got

            wrong = NodeClient("strophe_client.mjs", {"service": ws, "jid": c, "password": "nie-to-haslo"})
            clients.append(wrong)
            ev = wrong.expect(online_or_error, describe="a failed login")
            assert ev.get("status") == "AUTHFAIL", ev

            visitor = NodeClient("xmppjs_client.mjs", {"service": ws, "domain": "guest." + h.DOMAIN})
            clients.append(visitor)
            ev = visitor.expect(online_or_error, describe="anonymous login")
            assert ev.get("online", "").split("/")[0].endswith("@guest." + h.DOMAIN), ev

            # The HTTPS listener (same certificate as c2s; self-signed here, so not verified).
            secure = NodeClient("xmppjs_client.mjs", {"service": "wss://127.0.0.1:%d/xmpp-websocket" % server.ports["http"],
                                                      "domain": h.DOMAIN, "username": "bob", "password": "bob-Pass-2",
                                                      "resource": "wss"},
                                env={"NODE_TLS_REJECT_UNAUTHORIZED": "0"})
            clients.append(secure)
            ev = secure.expect(online_or_error, describe="online over wss://")
            assert ev.get("online") == b + "/wss", ev

            # Every session is a session: xmppctl lists them with the others.
            online = server.xmppctl("online").stdout
            for jid in (a + "/web", c + "/strophe", b + "/wss", b + "/desk"):
                assert jid in online, (jid, online)
        finally:
            for cl in clients:
                cl.close()
        run(bob.close())
        log = server.log_text()
        assert "Dzień dobry z przeglądarki" not in log, "a message body is in the server log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
