# XEP-0368 direct TLS ("xmpps-client"): TLS from the first byte, ALPN "xmpp-client" (§3.1),
# no <starttls/> offered inside the encrypted stream; SCRAM-SHA-*-PLUS and the XEP-0440
# channel-binding types on the default direct-TLS listener; a slixmpp login over direct TLS.
#
# Debian 12's slixmpp cannot do channel binding on TLS 1.3 (it sends p=tls-unique, then falls
# back to gs2 flag 'y' while claiming support): RFC 5802 §6 says a server that advertised
# -PLUS must refuse that, so on the default listener it cannot log in (asserted below, it is
# the downgrade protection working), and its successful login uses a second direct-TLS
# listener with channel_binding = false.
import xmppd_harness as h
from raw_xmpp import NS_TLS, RawStream, q
from xmpp_clients import Client, run

PASSWORD = "direct-Tls-łódź"


def test():
    with h.Server(extra_listeners=[{"type": "c2s_tls", "channel_binding": False}]) as server:
        jid = server.adduser("alice", PASSWORD)

        # The default direct-TLS listener, seen by a raw TLS client.
        s = RawStream.connect(server, "c2s_tls")
        assert s.tls_version == "TLSv1.3", s.tls_version
        assert s.sock.selected_alpn_protocol() == "xmpp-client", "XEP-0368 §3.1: ALPN xmpp-client"
        features = s.open()
        assert features.find(q(NS_TLS, "starttls")) is None, "no STARTTLS inside TLS (RFC 6120 §5.4.3.3)"
        mechs = s.mechanisms()
        for m in ("SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "PLAIN"):
            assert m in mechs, (m, mechs)
        types = s.binding_types()
        assert types is not None, "XEP-0440 <sasl-channel-binding/> missing"
        assert "tls-exporter" in types, "RFC 9266: tls-exporter on TLS 1.3: %s" % types
        assert "tls-server-end-point" in types, types
        assert "tls-unique" not in types, "RFC 9266 §3: tls-unique is undefined on TLS 1.3"
        # Without ALPN is fine too (XEP-0368: clients may not send it).
        s.close()
        s = RawStream.connect(server, "c2s_tls", alpn=False)
        s.open()
        assert s.plain_login("alice", PASSWORD).startswith(jid + "/")
        s.close()

        # slixmpp on the -PLUS listener: p=tls-unique is not offered, then 'y' → refused.
        c = Client(jid, PASSWORD)
        try:
            run(c.login(server.ports["c2s_tls"], direct_tls=True), timeout=20)
            raise AssertionError("RFC 5802 §6: gs2 flag 'y' was accepted although -PLUS was offered")
        except AssertionError as e:
            assert "login of" in str(e), e
        run(c.close())

        # slixmpp direct TLS on the listener without channel binding: SCRAM-SHA-256 with 'y'.
        c = Client(jid, PASSWORD)
        run(c.login(server.extra_port(0), direct_tls=True))
        assert c.boundjid.bare == jid, c.boundjid
        assert run(c["xep_0199"].ping(h.DOMAIN, timeout=5)) is not None
        run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
