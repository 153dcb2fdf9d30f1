# XMPP over BOSH (XEP-0124, XEP-0206) with strophe.js from npm, in Node: a consultant logs in
# with SCRAM-SHA-256 (RFC 7677) and exchanges messages with a slixmpp client on TCP (RFC 6121
# §5); a wrong password fails (RFC 6120 §6.5.10); a visitor logs in anonymously on guest.D
# (XEP-0175), pings its host (XEP-0199), talks to the livechat service (a slixmpp XEP-0114
# component standing in for chat.D) and is refused by the visitor policy when it writes to a
# consultant (service-unavailable, modules/visitor_policy): a BOSH session is routed like any
# other. The sessions show in `xmppctl online` and in /metrics as transport "bosh"; XEP-0156
# host-meta names the BOSH URL; a logout (XEP-0124 §13) ends the session for its contacts.
# backends: sqlite mariadb
import json
import os
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

import xmppd_harness as h
from web_clients import NodeClient
from xmpp_clients import Client, Component, run

CHAT = "chat." + h.DOMAIN
SECRET = "chat-component-secret-1"


def online_or_error(e):
    return "online" in e or e.get("status") in ("AUTHFAIL", "CONNFAIL", "DISCONNECTED")


def http_get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return r.read().decode()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


def eventually(check, what, timeout=20):
    """Waits (bounded) until check() is true: state a client sees changes after the fact."""
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise AssertionError("not within %s s: %s" % (timeout, what))
        time.sleep(0.1)


def test():
    # The secret exists before the server's directory does: `xmppctl migrate` (MariaDB) reads
    # the configuration with it.
    secret = tempfile.NamedTemporaryFile("w", suffix=".secret", delete=False)
    secret.write(SECRET + "\n")
    secret.close()
    extra = '\n[components."%s"]\nsecret_file = "%s"\n' % (CHAT, secret.name)
    server = h.Server(channel_binding=False, extra_config=extra, extra_listeners=[{"type": "http", "tls": "none"}])
    server.drop_host(CHAT)  # chat.localhost is the component above, not the livechat host
    with server:
        port = server.extra_port(0)
        service = "http://127.0.0.1:%d/http-bind" % port
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))
        chat = run(Component(CHAT, SECRET, server.ports["component"]).start())
        clients = []
        try:
            # A consultant over BOSH with SCRAM-SHA-256.
            alice = NodeClient("strophe_bosh_client.mjs", {"service": service, "jid": a + "/web",
                                                            "password": "alice-Pass-1", "mechanism": "SCRAM-SHA-256"})
            clients.append(alice)
            ev = alice.expect(online_or_error, describe="strophe.js online over BOSH")
            assert ev.get("online") == a + "/web" and ev.get("mechanism") == "SCRAM-SHA-256", ev
            assert len(ev["sid"]) == 32, ev  # 128 bits, hex

            alice.command(send={"to": b, "body": "Dzień dobry przez BOSH 🇪🇺", "id": "b1"})
            got = run(bob.next_message())
            assert got["body"] == "Dzień dobry przez BOSH 🇪🇺" and got["from"] == a + "/web", got
            bob.send_message(mto=a + "/web", mbody="Odpowiedź <b>z</b> TCP & spółki", mtype="chat")
            run(bob.sync())
            ev = alice.expect(lambda e: "message" in e, describe="message over BOSH")
            assert ev["message"]["from"] == b + "/desk" and ev["message"]["body"] == "Odpowiedź <b>z</b> TCP & spółki", ev

            wrong = NodeClient("strophe_bosh_client.mjs", {"service": service, "jid": a, "password": "nie-to-haslo",
                                                            "mechanism": "SCRAM-SHA-256"})
            clients.append(wrong)
            ev = wrong.expect(online_or_error, describe="a failed login")
            assert ev.get("status") == "AUTHFAIL", ev

            # A visitor over BOSH, anonymously on guest.D.
            visitor = NodeClient("strophe_bosh_client.mjs", {"service": service, "jid": h.GUEST})
            clients.append(visitor)
            ev = visitor.expect(online_or_error, describe="anonymous login over BOSH")
            vjid = ev.get("online", "")
            assert vjid.split("/")[0].endswith("@" + h.GUEST) and ev.get("mechanism") == "ANONYMOUS", ev
            visitor.command(ping={"to": h.GUEST, "id": "v1"})
            ev = visitor.expect(lambda e: e.get("iq", {}).get("id") == "v1", describe="ping result")
            assert ev["iq"]["type"] == "result", ev
            visitor.command(send={"to": CHAT, "body": "Chciałbym zapytać o fundusz", "id": "v2"})
            got = run(chat.messages.get(describe="visitor's message"))
            assert got["body"] == "Chciałbym zapytać o fundusz" and got["from"].full == vjid, got
            chat.send_message(mto=vjid, mbody="Konsultant zaraz odpowie", mtype="chat", mfrom=CHAT)
            run(chat["xep_0199"].ping(h.DOMAIN, ifrom=CHAT, timeout=5))  # slixmpp writes while its loop runs
            ev = visitor.expect(lambda e: "message" in e, describe="the chat service's reply over BOSH")
            assert ev["message"]["body"] == "Konsultant zaraz odpowie" and ev["message"]["from"] == CHAT, ev
            # The visitor policy applies to BOSH sessions too.
            visitor.command(send={"to": b, "body": "bezpośrednio", "id": "v3"})
            ev = visitor.expect(lambda e: "message" in e, describe="the policy's refusal")
            assert ev["message"]["type"] == "error" and ev["message"]["error"] == "service-unavailable", ev

            # Every session is a session: xmppctl, /metrics, XEP-0156.
            online = server.xmppctl("online").stdout
            for jid in (a + "/web", vjid, b + "/desk"):
                assert jid in online, (jid, online)
            text = http_get(port, "/metrics")
            assert metric(text, 'xmppd_sessions{transport="bosh"}') == 2, text
            assert metric(text, 'xmppd_sessions{transport="tcp"}') == 1, text
            links = json.loads(http_get(port, "/.well-known/host-meta.json"))["links"]
            assert {"rel": "urn:xmpp:alt-connections:xbosh", "href": "http://127.0.0.1:%d/http-bind" % port} in links, links
            xrd = ET.fromstring(http_get(port, "/.well-known/host-meta"))
            assert any(l.get("rel") == "urn:xmpp:alt-connections:xbosh" for l in xrd), http_get(port, "/.well-known/host-meta")

            # A logout (type='terminate', XEP-0124 §13) ends the session at once.
            alice.command(stop=True)
            ev = alice.expect(lambda e: e.get("status") == "DISCONNECTED", describe="logged out")
            eventually(lambda: a + "/web" not in server.xmppctl("online").stdout, "alice's session gone")
            eventually(lambda: metric(http_get(port, "/metrics"), 'xmppd_sessions{transport="bosh"}') == 1,
                       "one BOSH session left in /metrics")
        finally:
            for cl in clients:
                cl.close()
        run(bob.close())
        chat.disconnect()
        log = server.log_text()
        assert "Dzień dobry przez BOSH" not in log and "fundusz" not in log, "a message body is in the server log"
        assert server.alive()
    os.unlink(secret.name)


if __name__ == "__main__":
    h.main(test)
