# Bad input beyond bad-input.md's rows, where RFC 6120 names the answer: addresses that are not
# JIDs (§8.3.3.8 <jid-malformed/>, RFC 7622 §3: each part at most 1023 bytes), resource binding
# that cannot be processed (§7.7.2.1 <bad-request/>) or collides with a bound resource
# (§7.7.2.2: the old stream gets <conflict/>, §4.9.3.3), STARTTLS on a stream that is already
# encrypted (§5.4.2.2 <failure/> and a close), SASL on an authenticated stream (§4.9.3.18
# <policy-violation/>), an authorization identity for someone else (§6.5.6 <invalid-authzid/>,
# then a retry works), and a 'from' in the initial stream header naming someone else (§4.7.1:
# it identifies nothing; the bound JID is the authenticated one). Stanza errors keep the
# stream open; each probe also checks the server is up, the witnesses noticed nothing, and RSS.
import base64

import raw_probe as rx
import xmppd_harness as h

PING = "<ping xmlns='urn:xmpp:ping'/>"
LONG = "x" * 1100  # more than the 1023 bytes a JID part may have (RFC 7622 §3.2-§3.4)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def bind_request(resource_xml):
    return "<iq type='set' id='bind-x'><bind xmlns='%s'>%s</bind></iq>" % (rx.NS_BIND, resource_xml)


def build(p, server):
    user, pw = "session-user", "pw-session"
    server.adduser(user, pw)
    w = p.witnesses

    # §8.3.3.8: stanzas addressed to something that is not a JID get <jid-malformed/> (modify),
    # from the session's own stream, which stays open.
    prober = rx.Raw(server, tls=True).login(user, pw, resource="prober")

    def malformed_to(kind, to):
        def probe(i):
            ident = "jm-%d" % i
            if kind == "iq":
                prober.send("<iq type='get' id='%s' to='%s'>%s</iq>" % (ident, to, PING))
            elif kind == "message":
                prober.send("<message type='chat' id='%s' to='%s'><body>x</body></message>" % (ident, to))
            else:
                prober.send("<presence id='%s' to='%s'/>" % (ident, to))
            reply = prober.wait_for(lambda e: rx.local(e.tag) == kind and e.get("id") == ident, what="error reply")
            assert rx.stanza_error(reply) == ("modify", "jid-malformed"), rx.to_xml(reply)[:300]
        return probe

    p.run("jid-malformed: iq to a@b@c", malformed_to("iq", "a@b@c"), workers=1)
    p.run("jid-malformed: message to @localhost", malformed_to("message", "@localhost"), workers=1)
    p.run("jid-malformed: presence to 'a b@localhost'", malformed_to("presence", "a b@localhost"), workers=1)
    p.run("jid-malformed: 1,100-byte localpart", malformed_to("message", LONG + "@localhost"), workers=1)
    p.run("jid-malformed: 1,100-byte resourcepart", malformed_to("iq", "%s/%s" % (w.b.jid.split("/")[0], LONG)),
          workers=1)
    prober.ping()
    prober.end()

    def bound_up_to_bind(c):
        c.open()
        c.features()
        c.auth_plain(user, pw)
        c.open()
        c.features()

    # §7.7.2.1: a resourcepart the server cannot process is a <bad-request/> (modify); the
    # stream stays open and a good request then binds.
    def bad_resource(resource_xml):
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                bound_up_to_bind(c)
                c.send(bind_request(resource_xml))
                reply = c.wait_for(lambda e: e.get("id") == "bind-x", what="bind reply")
                assert rx.stanza_error(reply) == ("modify", "bad-request"), rx.to_xml(reply)
                c.bind("good-%d" % i)
                assert c.jid.endswith("/good-%d" % i), c.jid
                c.end()
        return probe

    p.run("bind: 1,100-byte resource", bad_resource("<resource>%s</resource>" % LONG))
    # U+0085 is a control character: allowed in XML 1.0, disallowed by PRECIS (RFC 8264 §9.12).
    p.run("bind: control character in the resource", bad_resource("<resource>a&#x85;b</resource>"))
    p.run("bind: two resources", bad_resource("<resource>one</resource><resource>two</resource>"))

    # §7.7.2.2: the same full JID bound again from another stream replaces the old stream,
    # which is closed with <conflict/> (§4.9.3.3); the new one is bound.
    def conflict(i):
        resource = "twin-%d" % i
        with rx.Raw(server, tls=True).login(user, pw, resource=resource) as old:
            with rx.Raw(server, tls=True).login(user, pw, resource=resource) as new:
                assert new.jid == old.jid, (new.jid, old.jid)
                assert old.stream_error() == "conflict", old.error
                new.ping()
                new.end()
    p.run("bind: the same resource from a second stream", conflict)

    # §5.4.2.2: STARTTLS where TLS is already in place: <failure/>, then the stream and the
    # connection are closed. After login (STARTTLS before), and on the direct-TLS port.
    def starttls_again(after_login):
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                if after_login:
                    c.login(user, pw)
                else:
                    c.open()
                    c.features()
                c.send("<starttls xmlns='%s'/>" % rx.NS_TLS)
                reply = c.wait_for(lambda e: rx.ns_of(e.tag) == rx.NS_TLS, what="STARTTLS answer")
                assert reply.tag == rx.q(rx.NS_TLS, "failure"), rx.to_xml(reply)
                c.expect_closed()
        return probe

    p.run("STARTTLS on direct TLS", starttls_again(False))
    p.run("STARTTLS after login", starttls_again(True))

    # SASL again on an authenticated stream: no mechanism is offered any more (§6.4.6); a
    # stream error, <policy-violation/> (§4.9.3.18).
    p.run("SASL after login", lambda i: rx.expect_session_error(
        server, user, pw, "<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (rx.NS_SASL, b64("\0%s\0%s" % (user, pw))),
        "policy-violation"))

    # §6.5.6: PLAIN with an authorization identity other than the account: <invalid-authzid/>,
    # a SASL failure that allows a retry (§6.4.5), which then succeeds.
    def other_authzid(i):
        with rx.Raw(server, tls=True) as c:
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>"
                   % (rx.NS_SASL, b64("%s\0%s\0%s" % (w.a.jid.split("/")[0], user, pw))))
            reply = c.wait_for(lambda e: rx.ns_of(e.tag) == rx.NS_SASL, what="SASL outcome")
            assert reply.tag == rx.q(rx.NS_SASL, "failure"), rx.to_xml(reply)
            assert reply.find(rx.q(rx.NS_SASL, "invalid-authzid")) is not None, rx.to_xml(reply)
            c.auth_plain(user, pw)
            c.open()
            c.features()
            c.bind()
            assert c.jid.startswith(user + "@"), c.jid
            c.end()
    p.run("SASL: authzid of another account", other_authzid)

    # §4.7.1: the client's 'from' in its stream header is only a hint; claiming to be the
    # witness changes nothing: the stream binds the authenticated account.
    def header_from(i):
        with rx.Raw(server, tls=True) as c:
            c.open(extra=" from='%s'" % w.a.jid.split("/")[0])
            c.features()
            c.auth_plain(user, pw)
            c.open(extra=" from='%s'" % w.a.jid.split("/")[0])
            c.features()
            c.bind()
            assert c.jid.startswith(user + "@"), c.jid
            c.ping()
            c.end()
    p.run("stream header from = another account", header_from)


def test():
    # 1,000 probes per session, unthrottled (the rate limit is 27-badinput-floods.py's).
    rx.run_probes(build, dict(limits={"max_preauth_per_ip": 10000, "stanzas_per_second": 100000}))


if __name__ == "__main__":
    h.main(test)
