# A full disk under SQLite (issue 2, Storage; XEP-0198 §4, RFC 6120 §8.3.3.18): the database
# lives on a small tmpfs the test mounts and then fills. alice (raw stream with XEP-0198) writes
# to bob, who is offline:
# - while the disk is full (SQLITE_FULL) the messages for bob are not acknowledged; past
#   limits.storage_pending_max the further ones come back at once as wait/resource-constraint;
#   a message to carol, who is online, is delivered all the same; xmppd does not crash;
# - when space is freed every held message is stored and acknowledged, and bob gets exactly the
#   acknowledged messages, in order, after an xmppd restart.
# Needs root (mount). backends: sqlite only (MariaDB: 40-storage-outage-mariadb.py).
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import xmppd_harness as h
from raw_xmpp import NS_SM, NS_STANZAS, RawStream, q
from xmpp_clients import Client, run

PENDING_MAX = 4


def login_raw(server, user, password, resource):
    s = RawStream.connect(server)
    s.open()
    s.starttls()
    s.plain_login(user, password, resource)
    return s


def read_until(stream, pred, timeout=60, what=""):
    seen = []
    while True:
        e = stream.next(timeout)
        seen.append(e)
        if pred(e):
            return seen
        assert len(seen) < 1000, "no %s" % what


def is_ack(e):
    return e.tag == q(NS_SM, "a")


def fill(directory):
    """Writes a file until the file system refuses (ENOSPC); returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return path


def test():
    mount = tempfile.mkdtemp(prefix="xmppd-it-tmpfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount], check=True, timeout=30)
    try:
        run_scenario(mount)
    finally:
        subprocess.run(["umount", "-l", mount], timeout=30)
        os.rmdir(mount)


def run_scenario(mount):
    server = h.Server(backend="sqlite", channel_binding=False, limits={"storage_pending_max": PENDING_MAX})
    text = open(server.config).read()
    text = text.replace('sqlite_path = "xmppd.sqlite"', 'sqlite_path = "%s/xmppd.sqlite"' % mount, 1)
    open(server.config, "w").write(text)
    with server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        assert os.path.exists(os.path.join(mount, "xmppd.sqlite")), "the database is not on the tmpfs"
        carol = run(Client(c + "/biurko", "carol-Pass-3").login(server.ports["c2s"]))
        alice = login_raw(server, "alice", "alice-Pass-1", "laptop")
        alice.send("<enable xmlns='%s'/>" % NS_SM)
        assert alice.next().tag == q(NS_SM, "enabled")
        handled = 0

        def send_message(to, body, msg_id):
            nonlocal handled
            alice.send("<message to='%s' id='%s' type='chat'><body>%s</body></message>" % (to, msg_id, body))
            handled += 1

        bodies = ["przed zapełnieniem dysku"]
        send_message(b, bodies[0], "m0")
        alice.send("<r xmlns='%s'/>" % NS_SM)
        ack = read_until(alice, is_ack, what="<a/>")[-1]
        assert int(ack.get("h")) == handled, ET.tostring(ack)

        # --- the disk is full -----------------------------------------------------------------
        filler = fill(mount)
        held = ["wiadomość %d przy pełnym dysku" % i for i in range(1, PENDING_MAX + 1)]
        refused = ["odrzucona %d" % i for i in range(1, 3)]
        for i, body in enumerate(held + refused, start=1):
            send_message(b, body, "m%d" % i)
        send_message(c, "do carol na żywo", "live")
        alice.send("<r xmlns='%s'/>" % NS_SM)
        alice.send("<iq type='get' id='ping1' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" % h.DOMAIN)
        handled += 1
        seen = read_until(alice, lambda e: e.get("id") == "ping1", what="ping result")
        assert not [e for e in seen if is_ack(e)], "acknowledged on a full disk: %s" % [ET.tostring(e) for e in seen]
        errors = [e for e in seen if e.tag == q("jabber:client", "message") and e.get("type") == "error"]
        assert sorted(e.get("id") for e in errors) == ["m%d" % i for i in range(PENDING_MAX + 1, PENDING_MAX + 3)], \
            [ET.tostring(e) for e in errors]
        for e in errors:
            err = e.find(q("jabber:client", "error"))
            assert err.get("type") == "wait" and err.find(q(NS_STANZAS, "resource-constraint")) is not None, \
                ET.tostring(e)
        m = run(carol.next_message(timeout=30))
        assert m["body"] == "do carol na żywo", m
        assert server.alive(), "xmppd died on a full disk"
        # The operator is told (the log line is written when the first commit fails: waited for).
        server.wait_logged("database unavailable")

        # --- space again ----------------------------------------------------------------------
        os.unlink(filler)
        ack = read_until(alice, is_ack, timeout=120, what="<a/> after space was freed")[-1]
        assert int(ack.get("h")) == handled, "every held message is stored, then acknowledged: %s (sent %d)" % (
            ET.tostring(ack), handled)
        alice.close()
        run(carol.close())

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


if __name__ == "__main__":
    h.main(test, modules=("offline", "ping"))
