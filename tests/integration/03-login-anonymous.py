# XEP-0175 SASL ANONYMOUS (RFC 4505) on the visitors' host guest.localhost: a random,
# unguessable localpart each time; ANONYMOUS is not offered on the accounts' host, and PLAIN
# and SCRAM are not offered on the visitors' host (DESIGN.md, "Hosts").
import re

import xmppd_harness as h
from raw_xmpp import NS_SASL, RawStream, q
from xmpp_clients import Client, run


def test():
    with h.Server(channel_binding=False) as server:
        h_jid = server.adduser("alice", "alice-pass-1")

        # What each host offers after STARTTLS (RFC 6120 §6.3.3).
        s = RawStream.connect(server, domain=h.GUEST)
        s.open()
        assert s.mechanisms() == [], "RFC 6120 §5.3.1: nothing but STARTTLS before TLS"
        s.starttls()
        assert s.mechanisms() == ["ANONYMOUS"], s.mechanisms()
        assert s.binding_types() is None, "no channel binding without a -PLUS mechanism"
        # A mechanism not offered: RFC 6120 §6.4.5 <invalid-mechanism/>.
        r = s.auth("PLAIN", b"\0alice\0alice-pass-1")
        assert r.tag == q(NS_SASL, "failure") and r.find(q(NS_SASL, "invalid-mechanism")) is not None, r
        s.close()

        s = RawStream.connect(server, domain=h.DOMAIN)
        s.open()
        s.starttls()
        assert "ANONYMOUS" not in s.mechanisms(), s.mechanisms()
        r = s.auth("ANONYMOUS", b"trace")
        assert r.find(q(NS_SASL, "invalid-mechanism")) is not None, r
        s.close()

        # Two visitors with slixmpp: random, different localparts on the guest host.
        seen = set()
        for _ in range(2):
            c = Client(h.GUEST, "", mechanism="ANONYMOUS")
            run(c.login(server.ports["c2s"]))
            jid = c.boundjid
            assert jid.domain == h.GUEST, jid
            assert re.fullmatch(r"[0-9a-f]{32}", jid.user), "XEP-0175: an unguessable localpart: %s" % jid
            assert jid.resource, jid
            seen.add(jid.user)
            run(c.close())
        assert len(seen) == 2, seen

        # The same with the trace data RFC 4505 §2 allows, over direct TLS.
        s = RawStream.connect(server, "c2s_tls", domain=h.GUEST)
        s.open()
        r = s.auth("ANONYMOUS", "wizyta@example.org".encode())
        assert r.tag == q(NS_SASL, "success"), r
        s.open()
        full = s.bind()
        assert full.split("@")[1].startswith(h.GUEST + "/") and full.split("@")[0] not in seen, full
        s.close()

        # An account still logs in with SCRAM on its own host.
        c = Client(h_jid, "alice-pass-1", mechanism="SCRAM-SHA-256")
        run(c.login(server.ports["c2s"]))
        run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
