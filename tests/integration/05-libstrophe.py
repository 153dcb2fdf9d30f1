# A client written with Debian's libstrophe (tests/integration/05-libstrophe.c) on the default
# c2s listener, where SCRAM-*-PLUS is offered: libstrophe 0.12 has no channel binding, so it
# picks SCRAM-SHA-256 with gs2 flag 'n' (RFC 5802 §6: 'n' is always acceptable) after
# STARTTLS (RFC 6120 §5), binds, and sends a chat message with Polish text that a slixmpp
# receiver gets intact (RFC 6120 §8.5.3.1: a message to a full JID goes to that resource).
# backends: sqlite mariadb
import base64
import os
import re
import subprocess

import xmppd_harness as h
from xmpp_clients import Client, run

STROPHE = os.path.join(h.BUILD_DIR, "tests", "libstrophe_client")
BODY = "Dzień dobry! Zażółć gęślą jaźń — wniosek o dotację 🇪🇺"


def test():
    # slixmpp (which cannot do -PLUS on TLS 1.3) receives on a listener without channel binding.
    with h.Server(extra_listeners=[{"type": "c2s", "channel_binding": False}]) as server:
        alice = server.adduser("alice", "strophe-Alice-1")
        bob = server.adduser("bob", "bob-pass-2")
        receiver = Client(bob, "bob-pass-2")
        run(receiver.login(server.extra_port(0)))

        assert os.path.exists(STROPHE), "%s is not built (libstrophe-dev missing?)" % STROPHE
        r = subprocess.run([STROPHE, alice, str(server.ports["c2s"]), str(receiver.boundjid), BODY],
                           input="strophe-Alice-1\n", capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, "libstrophe client failed:\n%s\n%s" % (r.stdout, r.stderr[-4000:])
        assert re.match(r"connected alice@localhost/\S+", r.stdout), r.stdout
        # What libstrophe sent: STARTTLS, then SCRAM-SHA-256 with gs2 header "n,," (no binding).
        auth = re.search(r"<auth [^>]*mechanism=\"([^\"]+)\"[^>]*>([^<]+)</auth>", r.stderr)
        assert auth, r.stderr[-4000:]
        assert auth.group(1) == "SCRAM-SHA-256", auth.group(1)
        assert base64.b64decode(auth.group(2)).startswith(b"n,,n=alice,r="), base64.b64decode(auth.group(2))
        assert "<starttls" in r.stderr and r.stderr.index("<starttls") < r.stderr.index("<auth ")

        m = run(receiver.next_message())
        assert m["body"] == BODY, m["body"]
        assert m["type"] == "chat", m["type"]
        assert m["from"].bare == alice, m["from"]
        run(receiver.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
