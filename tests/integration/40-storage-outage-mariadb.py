# Database outage on MariaDB (issue 2, Storage; XEP-0198 §4 acknowledgements, RFC 6120
# §8.3.3.18 resource-constraint, RFC 6120 §6.5.10 temporary-auth-failure), against a MariaDB of
# the test's own: alice (raw stream with XEP-0198) writes to bob, who is offline, while mariadbd
# is frozen (SIGSTOP) and then killed and started again.
# - Before the outage a stored message is acknowledged (<a h/>) as usual.
# - During it: the messages for bob are not acknowledged; past limits.storage_pending_max the
#   further ones come back at once as wait/resource-constraint; a message to carol, who is
#   online, is delivered all the same; a roster get is answered wait/resource-constraint and a
#   login fails cleanly with temporary-auth-failure (RFC 6120 §6.5.10); xmppd does not crash.
# - When the database is back every held message is acknowledged, and bob gets exactly the
#   acknowledged messages, in order, after an xmppd restart too; none of the refused ones.
# backends: mariadb
import base64
import xml.etree.ElementTree as ET

import xmppd_harness as h
from mariadb_instance import MariadbInstance
from raw_xmpp import NS_SASL, NS_SM, NS_STANZAS, RawStream, q
from xmpp_clients import Client, run

PENDING_MAX = 5  # limits.storage_pending_max: stanzas that may wait for storage


def login_raw(server, user, password, resource):
    s = RawStream.connect(server)
    s.open()
    s.starttls()
    s.plain_login(user, password, resource)
    return s


def read_until(stream, pred, timeout=60, what=""):
    """Elements up to and including the first one pred accepts."""
    seen = []
    while True:
        e = stream.next(timeout)
        seen.append(e)
        if pred(e):
            return seen
        assert len(seen) < 1000, "no %s" % what


def is_ack(e):
    return e.tag == q(NS_SM, "a")


def test():
    db = MariadbInstance()
    server = h.Server(backend="mariadb", channel_binding=False, limits={"storage_pending_max": PENDING_MAX})
    # Short Connector/C timeouts, so the frozen server is noticed within seconds.
    text = open(server.config).read()
    text = text.replace('backend = "mariadb"\n', 'backend = "mariadb"\nmariadb_connect_timeout = "2s"\n'
                        'mariadb_read_timeout = "2s"\nmariadb_write_timeout = "2s"\n', 1)
    open(server.config, "w").write(text)
    with server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        server.adduser("dave", "dave-Pass-4")
        carol = run(Client(c + "/biurko", "carol-Pass-3").login(server.ports["c2s"]))

        alice = login_raw(server, "alice", "alice-Pass-1", "laptop")
        alice.send("<enable xmlns='%s'/>" % NS_SM)
        enabled = alice.next()
        assert enabled.tag == q(NS_SM, "enabled"), ET.tostring(enabled)
        handled = 0

        def send_message(to, body, msg_id):
            nonlocal handled
            alice.send("<message to='%s' id='%s' type='chat'><body>%s</body></message>" % (to, msg_id, body))
            handled += 1

        bodies = ["przed awarią"]
        send_message(b, bodies[0], "m0")
        alice.send("<r xmlns='%s'/>" % NS_SM)
        ack = read_until(alice, is_ack, what="<a/>")[-1]
        assert int(ack.get("h")) == handled, ET.tostring(ack)

        # --- the database hangs -------------------------------------------------------------
        db.freeze()
        held = ["wiadomość %d w czasie awarii" % i for i in range(1, PENDING_MAX + 1)]
        refused = ["odrzucona %d" % i for i in range(1, 4)]
        for i, body in enumerate(held + refused, start=1):
            send_message(b, body, "m%d" % i)
        send_message(c, "do carol na żywo", "live")
        alice.send("<r xmlns='%s'/>" % NS_SM)
        # A ping to the server is answered after the <r/> was read: an <a/> answered at once
        # would come before it.
        alice.send("<iq type='get' id='ping1' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" % h.DOMAIN)
        handled += 1
        seen = read_until(alice, lambda e: e.get("id") == "ping1", what="ping result")
        assert not [e for e in seen if is_ack(e)], "acknowledged during the outage: %s" % [ET.tostring(e) for e in seen]
        errors = [e for e in seen if e.tag == q("jabber:client", "message") and e.get("type") == "error"]
        assert sorted(e.get("id") for e in errors) == ["m%d" % i for i in range(PENDING_MAX + 1, PENDING_MAX + 4)], \
            "past the bound exactly the later messages are refused: %s" % [ET.tostring(e)[:300] for e in seen]
        for e in errors:
            err = e.find(q("jabber:client", "error"))
            assert err.get("type") == "wait" and err.find(q(NS_STANZAS, "resource-constraint")) is not None, \
                ET.tostring(e)
        # Delivery to an online recipient is never delayed by storage.
        m = run(carol.next_message(timeout=30))
        assert m["body"] == "do carol na żywo", m

        # An IQ that needs a read is answered, not left hanging: RFC 6120 §8.3.3.18.
        alice.send("<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>")
        handled += 1
        reply = read_until(alice, lambda e: e.get("id") == "roster1", what="roster reply")[-1]
        err = reply.find(q("jabber:client", "error"))
        assert reply.get("type") == "error" and err is not None and err.get("type") == "wait" and \
            err.find(q(NS_STANZAS, "resource-constraint")) is not None, ET.tostring(reply)

        # A login needs the account, which cannot be read: RFC 6120 §6.5.10, not a hang.
        dave = RawStream.connect(server)
        dave.open()
        dave.starttls()
        # Sent by hand: the answer may take up to a read timeout plus a connect timeout.
        dave.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (
            NS_SASL, base64.b64encode(b"\0dave\0dave-Pass-4").decode()))
        dave_answer = dave.next(60)
        assert dave_answer.tag == q(NS_SASL, "failure") and \
            dave_answer.find(q(NS_SASL, "temporary-auth-failure")) is not None, ET.tostring(dave_answer)
        dave.close()
        assert server.alive(), "xmppd died during the outage"

        # --- the database is killed, then started again ------------------------------------
        db.kill()
        assert server.alive(), "xmppd died when the database was killed"
        db.start_again()
        ack = read_until(alice, is_ack, timeout=120, what="<a/> after the database came back")[-1]
        assert int(ack.get("h")) == handled, "every held message is stored, then acknowledged: %s (sent %d)" % (
            ET.tostring(ack), handled)
        alice.close()
        run(carol.close())

        # xmppd restarts: bob gets exactly what was acknowledged, in order.
        server.restart()
        bob = run(Client(b + "/dom", "bob-Pass-2").login(server.ports["c2s"]))
        got = [run(bob.next_message(timeout=30))["body"] for _ in bodies + held]
        assert got == bodies + held, got
        run(bob.sync())
        extra = [m["body"] for m in bob.messages.items]
        assert not extra, "refused messages must not be stored: %s" % extra
        run(bob.close())
        assert server.alive()
        log = server.log_text()
        assert not [x for x in bodies + held + refused if x in log], "a body in the log"
    db.stop()


if __name__ == "__main__":
    h.main(test, modules=("offline", "ping"))
