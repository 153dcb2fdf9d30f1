# RFC 6120 §5-§7 with a real client (slixmpp): STARTTLS, SASL SCRAM-SHA-256 / SCRAM-SHA-1 /
# PLAIN (over TLS), resource binding, and a XEP-0199 ping answered by the server.
# backends: sqlite mariadb
import xmppd_harness as h
from xmpp_clients import Client, run


def test():
    with h.Server(channel_binding=False) as server:
        jid = server.adduser("alice", "pencil-Zażółć")
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"):
            c = Client(jid, "pencil-Zażółć", mechanism=mech)
            run(c.login(server.ports["c2s"]))
            assert c.boundjid.bare == jid, c.boundjid
            assert c.boundjid.resource, "RFC 6120 §7.6: the server generates a resource"
            rtt = run(c["xep_0199"].ping(h.DOMAIN, timeout=5))
            assert rtt is not None
            run(c.close())
        # Wrong password: RFC 6120 §6.5.10 <not-authorized/>, and no session.
        bad = Client(jid, "wrong", mechanism="SCRAM-SHA-256")
        try:
            run(bad.login(server.ports["c2s"]))
            raise AssertionError("login with a wrong password succeeded")
        except AssertionError as e:
            assert "failed" in str(e), e
        run(bad.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
