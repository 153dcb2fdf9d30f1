# BOSH sessions over time (XEP-0124 §8-§13, XEP-0206): an empty request is held 'wait' seconds
# and then answered empty; a held request is answered as soon as a message arrives; with
# hold='1' a second request releases the first (§8); a pause answers the held requests at once
# (§10); type='terminate' logs out with its last presence (§13). A page reload with strophe.js:
# the page stops (its poll still held), the next page attaches with the same sid and the next
# rid within the inactivity period and goes on exchanging messages with a slixmpp client on
# TCP; once no request comes for 'inactivity' seconds the session ends, and the sid is refused
# with item-not-found (§10, §17.2).
# backends: sqlite
import concurrent.futures
import time

import bosh_probe as bp
import xmppd_harness as h
from web_clients import NodeClient
from xmpp_clients import Client, run

INACTIVITY = 5


def online_or_error(e):
    return "online" in e or e.get("status") in ("AUTHFAIL", "CONNFAIL", "DISCONNECTED")


def eventually(check, what, timeout=40):
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise AssertionError("not within %s s: %s" % (timeout, what))
        time.sleep(0.2)


def body_of(message):
    return message.findtext(bp.q(bp.NS_CLIENT, "body"))


def test():
    extra = '\n[bosh]\ninactivity = "%ds"\n' % INACTIVITY
    with h.Server(channel_binding=False, extra_config=extra,
                  extra_listeners=[{"type": "http", "tls": "none"}]) as server:
        port = server.extra_port(0)
        service = "http://127.0.0.1:%d/http-bind" % port
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))
        pool = concurrent.futures.ThreadPoolExecutor(4)

        # §7.2 / §8: wait='2' is granted, and an empty request is held that long, then answered
        # with an empty <body/> (not a terminate).
        s = bp.Bosh(port)
        created = s.create(wait=2)
        assert created.get("wait") == "2" and created.get("hold") == "1" and created.get("requests") == "2", created.attrib
        assert created.get("inactivity") == str(INACTIVITY) and created.get("polling") and created.get("maxpause"), created.attrib
        assert created.get("{%s}version" % bp.NS_XBOSH) == "1.0", created.attrib
        assert created.get("{%s}restartlogic" % bp.NS_XBOSH) == "true", created.attrib
        t0 = time.monotonic()
        held = s.send()
        assert bp.terminal(held) is None and bp.payloads(held) == [], bp.ET.tostring(held)
        assert time.monotonic() - t0 >= 1.5, "answered after %.2f s, not held for 'wait'" % (time.monotonic() - t0)

        # A held request goes back the moment a message arrives for the session.
        c = bp.Bosh(port)
        c.create()
        c.login_plain("alice", "alice-Pass-1", resource="raw")
        poll = pool.submit(c.send, "", c.take_rid())
        bob.send_message(mto=a + "/raw", mbody="Wiadomość na długie odpytywanie", mtype="chat")
        run(bob.sync())
        got = poll.result(timeout=30)
        msgs = [p for p in bp.payloads(got) if p.tag == bp.q(bp.NS_CLIENT, "message")]
        assert msgs and body_of(msgs[0]) == "Wiadomość na długie odpytywanie", bp.ET.tostring(got)

        # hold='1' (§8): a request carrying a message releases the held poll at once, and is
        # itself answered by bob's reply.
        poll = pool.submit(c.send, "", c.take_rid())
        question = "<message xmlns='jabber:client' to='%s' type='chat'><body>pytanie</body></message>" % b
        sending = pool.submit(c.send, question, c.take_rid())
        released = poll.result(timeout=30)
        assert bp.terminal(released) is None, bp.ET.tostring(released)
        got = run(bob.next_message())
        assert got["body"] == "pytanie" and got["from"] == a + "/raw", got
        bob.send_message(mto=a + "/raw", mbody="odpowiedź", mtype="chat")
        run(bob.sync())
        answered = sending.result(timeout=30)
        if not bp.payloads(answered):
            answered = c.send()
        assert body_of(answered.find(bp.q(bp.NS_CLIENT, "message"))) == "odpowiedź", bp.ET.tostring(answered)

        # §10: a pause answers the held request and itself at once, without payloads.
        poll = pool.submit(c.send, "", c.take_rid())
        paused = c.send(pause="3")
        assert bp.terminal(paused) is None and bp.payloads(paused) == [], bp.ET.tostring(paused)
        assert bp.terminal(poll.result(timeout=30)) is None
        assert c.ping() == "result"

        # §13: type='terminate' with a last presence; the session is gone afterwards.
        bye = c.terminate("<presence xmlns='jabber:client' type='unavailable'/>")
        assert bp.terminal(bye) == "", bp.ET.tostring(bye)
        assert bp.terminal(c.send()) == "item-not-found"
        eventually(lambda: a + "/raw" not in server.xmppctl("online").stdout, "the raw session gone")

        # A page reload with strophe.js: the first page stops with its poll held; the second
        # attaches with the sid and the next rid.
        clients = []
        try:
            page1 = NodeClient("strophe_bosh_client.mjs", {"service": service, "jid": a + "/web",
                                                            "password": "alice-Pass-1", "wait": 10})
            clients.append(page1)
            ev = page1.expect(online_or_error, describe="strophe.js online over BOSH")
            assert ev.get("online") == a + "/web", ev
            page1.command(freeze=True)
            frozen = page1.expect(lambda e: "frozen" in e, describe="the page's sid and rid")["frozen"]

            page2 = NodeClient("strophe_bosh_client.mjs", {"service": service, "attach": frozen, "wait": 10, "hold": 1})
            clients.append(page2)
            ev = page2.expect(online_or_error, describe="attached")
            assert ev.get("online") == a + "/web", ev
            page2.expect(lambda e: e.get("status") == "ATTACHED", describe="strophe.js attached")
            bob.send_message(mto=a + "/web", mbody="Czy strona się przeładowała?", mtype="chat")
            run(bob.sync())
            ev = page2.expect(lambda e: "message" in e, describe="a message on the reloaded page")
            assert ev["message"]["body"] == "Czy strona się przeładowała?" and ev["message"]["from"] == b + "/desk", ev
            page2.command(send={"to": b, "body": "Tak, i sesja trwa", "id": "r1"})
            got = run(bob.next_message())
            assert got["body"] == "Tak, i sesja trwa" and got["from"] == a + "/web", got
            assert server.xmppctl("online").stdout.count(a + "/web") == 1

            # §10: the second page stops too and nothing comes for 'inactivity' seconds after
            # its last request was answered: the session ends, and its sid is unknown.
            page2.command(freeze=True)
            frozen = page2.expect(lambda e: "frozen" in e, describe="the page's sid and rid")["frozen"]
            eventually(lambda: a + "/web" not in server.xmppctl("online").stdout, "the session ended by inactivity")
            page3 = NodeClient("strophe_bosh_client.mjs", {"service": service, "attach": frozen, "wait": 10, "hold": 1})
            clients.append(page3)
            ev = page3.expect(lambda e: e.get("status") == "CONNFAIL", describe="the sid refused")
            assert ev.get("condition") == "item-not-found", ev
        finally:
            for cl in clients:
                cl.close()
        pool.shutdown()
        run(bob.close())
        assert "przeładowała" not in server.log_text(), "a message body is in the server log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
