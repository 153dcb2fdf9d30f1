# bad-input.md rows 10-12 and 22, and the rest of RFC 6120 §4 a client can get wrong: the stream
# namespace (§4.9.3.10 <invalid-namespace/>), the host (§4.9.3.6 <host-unknown/>, also when 'to'
# is missing or changes on a restart), stanzas before authentication (§4.9.3.12
# <not-authorized/>), a second stream header without a restart (<not-well-formed/>), the version
# (§4.7.5, §4.9.3.25 <unsupported-version/>), non-XML on the port, and the expat reparse-deferral
# hang (CVE-2023-52425 fix): a token split across reads must be answered when its last byte arrives.
import time

import raw_probe as rx
import xmppd_harness as h

STREAMS = rx.NS_STREAM


def build(p, server):
    user, pw = "stream-user", "pw-stream"
    server.adduser(user, pw)

    def header_error(expected, **header):
        """Only our stream header; the server answers it with a stream error."""
        def probe(i):
            with rx.Raw(server) as c:
                c.open(**header)
                got = c.stream_error()
                assert got == expected, "expected <%s/>, got <%s/> for %s" % (expected, got, header)
                # RFC 6120 §4.9.1.3: an error on the initial header still comes in a stream of
                # ours; it names no host we did not agree to.
                assert c.header is not None
        return probe

    def raw_first(data, expected):
        return lambda i: rx.expect_preauth_error(server, data, expected, no_header=True)

    # Row 10: the stream namespace, the stream element's name, the content namespace.
    p.run("10 wrong xmlns:stream", header_error("invalid-namespace", stream_ns="http://etherx.jabber.org/streamz"))
    p.run("10 stream element misnamed", raw_first(
        "<stream:streamz xmlns='jabber:client' xmlns:stream='%s' to='localhost' version='1.0'>" % STREAMS,
        "invalid-namespace"))
    p.run("10 no stream prefix, streams ns as default", raw_first(
        "<stream xmlns='%s' to='localhost' version='1.0'>" % STREAMS, "invalid-namespace"))
    p.run("10 jabber:server on c2s", header_error("invalid-namespace", xmlns="jabber:server"))
    p.run("10 no content namespace", header_error("invalid-namespace", xmlns=None))
    # Row 11: hosts we do not serve, no host at all, a malformed host.
    p.run("11 to = a host we do not serve", header_error("host-unknown", to="example.org"))
    p.run("11 no 'to'", header_error("host-unknown", to=None))
    p.run("11 to = malformed", header_error("host-unknown", to="a b@c/d"))
    p.run("11 to = our host with a user", header_error("host-unknown", to="alice@localhost"))

    def restart_other_host_after_tls(i):
        with rx.Raw(server) as c:
            c.open()
            c.starttls()
            c.open(to=h.GUEST)  # RFC 6120 §4.3.3: the restarted stream is to the same host
            assert c.stream_error() == "host-unknown"
    p.run("11 restart after STARTTLS to another host", restart_other_host_after_tls)

    def restart_other_host_after_sasl(i):
        with rx.Raw(server, tls=True) as c:
            c.open()
            c.features()
            c.auth_plain(user, pw)
            c.open(to=h.GUEST)
            assert c.stream_error() == "host-unknown"
    p.run("11 restart after SASL to another host", restart_other_host_after_sasl)

    # Row 12: stanzas and other data before SASL succeeds, over TLS and before it.
    for name, stanza in (("message", "<message to='%s'><body>x</body></message>" % p.witnesses.b.jid),
                         ("presence", "<presence/>"),
                         ("iq bind", "<iq type='set' id='b'><bind xmlns='%s'/></iq>" % rx.NS_BIND),
                         ("sm enable", "<enable xmlns='urn:xmpp:sm:3'/>")):
        p.run("12 %s before SASL (TLS)" % name,
              lambda i, s=stanza: rx.expect_preauth_error(server, s, "not-authorized", tls=True),
              reps=None if name == "message" else 200)
        p.run("12 %s before TLS and SASL" % name,
              lambda i, s=stanza: rx.expect_preauth_error(server, s, "not-authorized"),
              reps=None if name == "message" else 200)

    def stanza_before_bind(i):
        with rx.Raw(server, tls=True) as c:
            c.open()
            c.features()
            c.auth_plain(user, pw)
            c.open()
            c.features()
            c.send("<message to='%s'><body>x</body></message>" % p.witnesses.b.jid)
            assert c.stream_error() == "not-authorized"  # RFC 6120 §7.1: bind first
    p.run("12 message after SASL before bind", stanza_before_bind)

    # Row 22: a second <stream:stream> without a restart: before auth and after bind.
    p.run("22 second header before auth", lambda i: rx.expect_preauth_error(
        server, rx.Raw.header_xml(declaration=False), "not-well-formed"))
    p.run("22 second header after bind", lambda i: rx.expect_session_error(
        server, user, pw, rx.Raw.header_xml(declaration=False), "not-well-formed"))
    p.run("22 second header with declaration after bind", lambda i: rx.expect_session_error(
        server, user, pw, rx.Raw.header_xml(), "not-well-formed"))
    p.run("22 second header after a stanza", lambda i: rx.expect_session_error(
        server, user, pw, "<presence/>" + rx.Raw.header_xml(declaration=False), "not-well-formed"))

    # RFC 6120 §4.7.5: no version means 0.9 (we serve only 1.0 streams with features);
    # a higher version is answered with ours.
    p.run("version missing", header_error("unsupported-version", version=None))
    p.run("version 0.9", header_error("unsupported-version", version="0.9"))
    with rx.Raw(server) as c:
        c.open(version="2.0")
        c.features()
        assert c.header.get("version") == "1.0", c.header

    # Not XML at all: an HTTP request and a TLS ClientHello on the STARTTLS port.
    p.run("HTTP request on c2s", raw_first("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "not-well-formed"))
    p.run("TLS ClientHello on c2s", raw_first(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),
                                               "not-well-formed"))
    # Text between stanzas is well-formed XML but not XMPP: only whitespace keepalives (§4.6.1).
    p.run("text between stanzas", lambda i: rx.expect_preauth_error(server, "hello", "bad-format"))
    p.run("text between stanzas after login", lambda i: rx.expect_session_error(
        server, user, pw, "<presence/>hello<presence/>", "bad-format", anonymous=i % 2 == 1))
    p.witnesses.a.send("  \r\n\t ")  # whitespace keepalives are fine (control)
    p.witnesses.a.ping()

    # A closing stream tag from the client: the server closes its own, with no error (§4.4).
    def clean_close(i):
        with rx.Raw(server, tls=True) as c:
            c.login(user, pw)
            c.send("</stream:stream>")
            c.expect_closed()
            assert c.error is None, c.error
    p.run("clean close after login", clean_close)

    # CVE-2023-52425 reparse deferral: a stanza split across two reads. The second part is small
    # against the first, which is exactly when a deferring expat waits for more bytes forever.
    def split_stanza(i, token=8000):
        w = p.witnesses.a
        ident = "split-" + "x" * token
        stanza = "<iq type='get' id='%s' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>" % ident
        cut = len(stanza) - 40
        w.send(stanza[:cut])
        time.sleep(0.05)
        w.send(stanza[cut:])
        t0 = time.monotonic()
        reply = w.reply_to(ident, timeout=2)
        assert reply.get("type") == "result" and time.monotonic() - t0 < 1.5, rx.to_xml(reply)
    p.run("stanza split across two reads (short id)", lambda i: split_stanza(i, 10), workers=1)
    p.run("stanza split across two reads (8 KB id)", split_stanza, workers=1)

    # A byte-at-a-time 8 KiB token is handled; a 40 KiB one is refused; neither hangs.
    def slow_token(i):
        w = p.witnesses.a
        ident = "slow-" + "y" * 8192
        w.send_slowly("<iq type='get' id='%s' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>" % ident)
        assert w.reply_to(ident, timeout=10).get("type") == "result"
    p.run("8 KiB token byte by byte", slow_token, reps=3, workers=1)

    def slow_huge_token(i):
        with rx.Raw(server, tls=True) as c:
            c.login(user, pw)
            t0 = time.monotonic()
            try:
                c.send_slowly("<message id='" + "z" * 40000)
            except OSError:
                pass  # the server closed while we were still writing
            assert c.stream_error() == "policy-violation", c.error
            assert time.monotonic() - t0 < 60
    p.run("40 KiB token byte by byte", slow_huge_token, reps=2, workers=1)


def test():
    rx.run_probes(build)


if __name__ == "__main__":
    h.main(test)
