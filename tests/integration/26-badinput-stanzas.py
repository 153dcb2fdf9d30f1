# bad-input.md rows 18-21, bad stanzas from a bound session: a 'from' that is not the session's
# own JID closes the stream with <invalid-from/> (RFC 6120 §4.9.3.9, §8.1.2.1) and is logged;
# an unknown first-level element gets <unsupported-stanza-type/> (§4.9.3.24); a malformed IQ
# (0 or 2 payloads, no id, an unknown type) gets the stanza error <bad-request/> (§8.2.3,
# §8.3.3.1) and the stream stays open; an IQ nobody handles gets <service-unavailable/> (§8.4).
# Errors go back to the sender only; the witnesses see nothing.
import raw_probe as rx
import xmppd_harness as h

PING = "<ping xmlns='urn:xmpp:ping'/>"


def build(p, server):
    user, pw = "stanza-user", "pw-stanza"
    server.adduser(user, pw)
    w = p.witnesses

    def in_session(payload, expected):
        """A fresh session sends payload(jid) and gets the stream error; every other
        repetition as an anonymous visitor."""
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                c.login(user, pw, anonymous=i % 2 == 1)
                c.send(payload(c.jid))
                got = c.stream_error()
                assert got == expected, "expected <%s/>, got <%s/>" % (expected, got)
        return probe

    # Row 18: a forged 'from'.
    p.run("18 from = another user", in_session(
        lambda me: "<message from='%s' to='%s'><body>x</body></message>" % (w.a.jid, w.b.jid), "invalid-from"))
    p.run("18 from = the server", in_session(
        lambda me: "<presence from='localhost'/>", "invalid-from"))
    p.run("18 from = own bare JID, other resource", in_session(
        lambda me: "<message from='%s/other' to='%s'><body>x</body></message>" % (me.split("/")[0], w.b.jid),
        "invalid-from"))
    p.run("18 from = malformed", in_session(
        lambda me: "<iq type='get' id='1' from='@@' to='localhost'>%s</iq>" % PING, "invalid-from"))
    assert "invalid-from" in server.log_text(), "no audit line for a forged 'from' in the log"
    # The session's own full or bare JID is accepted and delivered stamped with the full JID.
    with rx.Raw(server, tls=True).login(user, pw) as c:
        for own in (c.jid, c.jid.split("/")[0]):
            c.send("<message from='%s' to='%s' type='chat'><body>own</body></message>" % (own, w.b.jid))
            got = w.b.wait_for(lambda e: rx.local(e.tag) == "message")
            assert got.get("from") == c.jid, rx.to_xml(got)
        c.end()

    # Row 19: unknown first-level elements, after login and before it.
    p.run("19 <foo xmlns='jabber:client'/>", in_session(lambda me: "<foo/>", "unsupported-stanza-type"))
    p.run("19 <foo xmlns='urn:example'/>", in_session(lambda me: "<foo xmlns='urn:example'/>",
                                                      "unsupported-stanza-type"))
    p.run("19 <foo/> before auth", lambda i: rx.expect_preauth_error(server, "<foo/>", "unsupported-stanza-type"))
    p.run("19 message in jabber:server", in_session(
        lambda me: "<message xmlns='jabber:server' to='%s'><body>x</body></message>" % w.b.jid,
        "invalid-namespace"))

    # Rows 20-21: stanza errors; the session stays open, so one session probes 1,000 times.
    prober = rx.Raw(server, tls=True).login(user, pw, resource="prober")

    def iq_error(stanza, expected, type_="modify", match=None):
        def probe(i):
            ident = "bad-%d" % i
            prober.send(stanza.replace("@ID@", ident))
            if match is None:
                reply = prober.reply_to(ident)
            else:
                reply = prober.wait_for(match, what="error reply")
            assert rx.stanza_error(reply) == (type_, expected), rx.to_xml(reply)
        return probe

    # Row 20.
    p.run("20 iq get with no payload", iq_error("<iq type='get' id='@ID@' to='localhost'/>", "bad-request"),
          workers=1)
    p.run("20 iq set with two payloads", iq_error(
        "<iq type='set' id='@ID@' to='localhost'>%s%s</iq>" % (PING, PING), "bad-request"), workers=1)
    p.run("20 iq get with two payloads to a user", iq_error(
        "<iq type='get' id='@ID@' to='%s'>%s%s</iq>" % (w.b.jid, PING, PING), "bad-request"), workers=1)
    p.run("20 iq without id", iq_error(
        "<iq type='get' to='localhost'>%s</iq>" % PING, "bad-request",
        match=lambda e: rx.local(e.tag) == "iq" and e.get("type") == "error" and e.get("id") is None),
        workers=1)
    p.run("20 iq type='bogus'", iq_error("<iq type='bogus' id='@ID@' to='localhost'>%s</iq>" % PING,
                                         "bad-request"), workers=1)
    p.run("20 iq without type", iq_error("<iq id='@ID@' to='localhost'>%s</iq>" % PING, "bad-request"),
          workers=1)
    p.run("20 presence type='bogus'", iq_error(
        "<presence type='bogus' id='@ID@' to='%s'/>" % w.b.jid, "bad-request",
        match=lambda e: rx.local(e.tag) == "presence" and e.get("type") == "error"), workers=1)

    # RFC 6120 §8.2.3: no response to a response, however malformed.
    def no_reply(stanza):
        def probe(i):
            prober.send(stanza.replace("@ID@", "noreply-%d" % i))
            if i % 100 == 0:
                prober.ping()  # in order: had there been a reply, it would have come first
                stray = prober.quiet(0.05)
                assert not stray, [rx.to_xml(e) for e in stray]
        return probe
    p.run("20 iq result with two payloads", no_reply(
        "<iq type='result' id='@ID@' to='localhost'>%s%s</iq>" % (PING, PING)), workers=1)
    p.run("20 iq error without id", no_reply("<iq type='error' to='localhost'><error type='cancel'>"
                                             "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                             "</error></iq>"), workers=1)

    # Row 21: IQs nobody handles.
    for name, to in (("the server", "localhost"), ("own account", user + "@localhost"),
                     ("another account", w.b.jid.split("/")[0]), ("the guest host", h.GUEST),
                     ("an absent resource", user + "@localhost/nowhere"),
                     ("no 'to'", None)):
        to_attr = " to='%s'" % to if to else ""
        for kind in ("get", "set"):
            p.run("21 iq %s unknown namespace to %s" % (kind, name), iq_error(
                "<iq type='%s' id='@ID@'%s><query xmlns='urn:example:nothing'/></iq>" % (kind, to_attr),
                "service-unavailable", "cancel"), workers=1, reps=None if kind == "get" else 200)
    # Federation is off: another domain is not reachable (RFC 6120 §8.3.3.15).
    p.run("21 iq to another domain", iq_error(
        "<iq type='get' id='@ID@' to='example.org'>%s</iq>" % PING, "remote-server-not-found", "cancel"),
        workers=1)
    prober.ping()
    prober.end()


def test():
    # The per-session rate limit is 27-badinput-floods.py's: here 1,000 probes per session run unthrottled.
    rx.run_probes(build, dict(limits={"max_preauth_per_ip": 10000, "stanzas_per_second": 100000,
                                      "anonymous_logins_per_ip_per_minute": 1000000}))


if __name__ == "__main__":
    h.main(test)
