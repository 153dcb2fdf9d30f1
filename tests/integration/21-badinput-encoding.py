# bad-input.md rows 6-9: malformed XML, invalid UTF-8, surrogates and non-characters, forbidden
# characters. RFC 6120 §4.9.3.13 <not-well-formed/> (and §4.9.3.2 <bad-namespace-prefix/> for an
# unbound stream prefix), always before any routing: a message with a broken byte addressed to
# a witness must never reach it (the Zoom / CVE-2022-25235 lesson).
import raw_probe as rx
import xmppd_harness as h

BAD_UTF8 = {
    "C3 28 (bad continuation)": b"\xc3\x28",
    "C0 AF (overlong /)": b"\xc0\xaf",
    "E0 80 AF (overlong, 3 bytes)": b"\xe0\x80\xaf",
    "E2 82 (truncated)": b"\xe2\x82",
    "80 (lone continuation)": b"\x80",
    "F4 90 80 80 (above U+10FFFF)": b"\xf4\x90\x80\x80",
    "F8 88 80 80 80 (5 bytes)": b"\xf8\x88\x80\x80\x80",
    "FF": b"\xff",
}
NONCHARS = {
    "ED A0 80 (surrogate U+D800)": b"\xed\xa0\x80",
    "ED BF BF (surrogate U+DFFF)": b"\xed\xbf\xbf",
    "EF BF BE (U+FFFE)": b"\xef\xbf\xbe",
    "EF BF BF (U+FFFF)": b"\xef\xbf\xbf",
}
FORBIDDEN = {
    "&#x1;": b"&#x1;", "&#x0;": b"&#x0;", "&#0;": b"&#0;", "&#xD800;": b"&#xD800;",
    "&#xFFFE;": b"&#xFFFE;", "&#x110000;": b"&#x110000;",
    "raw 01": b"\x01", "raw 00": b"\x00", "raw 1B": b"\x1b",
}


def build(p, server):
    user = "enc-user"
    server.adduser(user, "pw-enc")
    witness = p.witnesses.b.jid

    def inside(payload, expected="not-well-formed", **header):
        return lambda i: rx.expect_preauth_error(server, payload, expected, **header)

    def in_session(payload, expected="not-well-formed"):
        """After login: every other repetition as an anonymous visitor (guest host)."""
        return lambda i: rx.expect_session_error(server, user, "pw-enc", payload, expected, anonymous=i % 2 == 1)

    # Row 6: malformed XML.
    p.run("6 mismatched end tag", inside("<message><body>x</message>"))
    p.run("6 duplicate attribute", inside("<message id='1' id='2'/>"))
    p.run("6 unbound prefix on a stanza", inside("<x:message/>"))
    p.run("6 unbound prefix on an attribute", inside("<message x:y='1'/>"))
    p.run("6 end tag without start", inside("</message>"))
    p.run("6 attribute without quotes", inside("<message id=1/>"))
    p.run("6 mismatched end tag after login", in_session("<message to='%s'><body>x</message>" % witness))
    # RFC 6120 §4.9.3.2: the stream element's prefix is not bound.
    p.run("6 unbound stream prefix", lambda i: rx.expect_preauth_error(
        server, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' to='localhost' version='1.0'>",
        "bad-namespace-prefix", no_header=True))
    # A different but bound prefix for the streams namespace is fine (control).
    with rx.Raw(server) as c:
        c.open(prefix="s")
        c.features()
        c.send("<!-- x -->")
        assert c.stream_error() == "restricted-xml"

    # Row 7: invalid UTF-8 in text, attributes, names and the stream header.
    for name, raw in BAD_UTF8.items():
        p.run("7 %s in text" % name, inside(b"<message><body>" + raw + b"</body></message>"))
    p.run("7 bad UTF-8 in an attribute", inside(b"<message id='\xc3\x28'/>"))
    p.run("7 bad UTF-8 in an element name", inside(b"<mess\xc3\x28age/>"))
    p.run("7 bad UTF-8 in the stream header", lambda i: rx.expect_preauth_error(
        server, b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                b"xmlns:stream='http://etherx.jabber.org/streams' to='a\xc3\x28' version='1.0'>",
        "not-well-formed", no_header=True))
    # Closed before routing: the witness must receive nothing (Witnesses.check looks).
    p.run("7 bad UTF-8 to a witness after login",
          in_session(b"<message to='" + witness.encode() + b"' type='chat'><body>hi \xc3\x28</body></message>"))
    # Row 8: UTF-8-encoded surrogates and U+FFFE / U+FFFF.
    for name, raw in NONCHARS.items():
        p.run("8 %s in text" % name, inside(b"<message><body>" + raw + b"</body></message>"))
    p.run("8 surrogate to a witness after login",
          in_session(b"<message to='" + witness.encode() + b"'><body>\xed\xa0\x80</body></message>"))
    # Row 9: forbidden characters, by reference and raw.
    for name, raw in FORBIDDEN.items():
        p.run("9 %s in text" % name, inside(b"<message><body>" + raw + b"</body></message>"))
    p.run("9 &#x1; in an attribute", inside("<message id='&#x1;'/>"))
    p.run("9 &#x0; to a witness after login",
          in_session("<message to='%s'><body>&#x0;</body></message>" % witness))

    # Valid non-ASCII text goes through untouched (control): Polish, CJK, an emoji (4 bytes).
    w = p.witnesses
    text = "Zażółć gęślą jaźń 漢字 \U0001F600"
    w.a.message(w.b.jid, text)
    got = w.b.wait_for(lambda e: rx.local(e.tag) == "message")
    assert got.findtext(rx.q(rx.NS_CLIENT, "body")) == text, rx.to_xml(got)


def test():
    rx.run_probes(build)


if __name__ == "__main__":
    h.main(test)
