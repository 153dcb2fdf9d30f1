# bad-input.md rows 1-5 (RFC 6120 §11.1 restricted XML): DTDs and entities (billion laughs,
# XXE), comments, processing instructions and undefined entity references close the stream
# with <restricted-xml/> (§4.9.3.18), never expand and never fetch anything. Each probe: the
# exact error, the server still up, two witness sessions unaware, RSS flat over 1,000 runs.
import socket
import threading

import raw_probe as rx
import xmppd_harness as h

HEADER = rx.Raw.header_xml()  # "<?xml version='1.0'?><stream:stream … to='localhost' version='1.0'>"
BODY = HEADER.split("?>", 1)[1]   # the stream header without the XML declaration

LAUGHS = ("<!DOCTYPE stream:stream [" + "<!ENTITY lol0 'lol'>" +
          "".join("<!ENTITY lol%d '%s'>" % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10)) + "]>")


class Trap:
    """A TCP listener an XXE would have to fetch from: the test fails if anyone connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.hits += 1
                conn.close()
            except socket.timeout:
                pass

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def build(p, server):
    trap = Trap()
    url = "http://127.0.0.1:%d/x" % trap.port

    def first(payload, expected="restricted-xml"):
        """The payload comes before (or instead of) our stream header."""
        return lambda i: rx.expect_preauth_error(server, payload, expected, no_header=True)

    def inside(payload, expected="restricted-xml"):
        """The payload comes after the stream header and the server's features."""
        return lambda i: rx.expect_preauth_error(server, payload, expected)

    user = "prolog-user"
    server.adduser(user, "pw-prolog")

    def in_session(payload, expected="restricted-xml"):
        """After login: every other repetition as an anonymous visitor (guest host)."""
        return lambda i: rx.expect_session_error(server, user, "pw-prolog", payload, expected, anonymous=i % 2 == 1)

    # Row 1: billion laughs in the prolog, with and without the entity used.
    p.run("1 billion-laughs prolog", first("<?xml version='1.0'?>" + LAUGHS + BODY + "<message>&lol9;</message>"))
    p.run("1 doctype only", first("<!DOCTYPE stream:stream>" + BODY))
    p.run("1 doctype after the declaration", first("<?xml version='1.0'?><!DOCTYPE x [<!ELEMENT x ANY>]>" + BODY))
    # Inside the stream a DOCTYPE is not even well-formed XML; the stream still closes at once.
    p.run("1 doctype inside the stream", inside(LAUGHS, "not-well-formed"))
    # Row 2: XXE, external DTD subset, parameter entities: refused before any I/O.
    p.run("2 xxe file", first("<!DOCTYPE stream:stream [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + BODY +
                              "<message><body>&x;</body></message>"))
    p.run("2 xxe http", first("<!DOCTYPE stream:stream [<!ENTITY x SYSTEM '%s'>]>" % url + BODY +
                              "<message><body>&x;</body></message>"))
    p.run("2 external dtd subset", first("<!DOCTYPE stream:stream SYSTEM '%s'>" % url + BODY))
    p.run("2 parameter entity", first("<!DOCTYPE stream:stream [<!ENTITY %% p SYSTEM '%s'> %%p;]>" % url + BODY))
    assert trap.hits == 0, "the server fetched an external entity (%d connections)" % trap.hits
    # Row 3: comments before the header, between stanzas, inside a stanza, after login.
    p.run("3 comment before the header", first("<?xml version='1.0'?><!-- hello -->" + BODY))
    p.run("3 comment in the stream", inside("<!-- hello -->"))
    p.run("3 comment in a stanza", inside("<iq type='get' id='1'><!-- x --><ping xmlns='urn:xmpp:ping'/></iq>"))
    p.run("3 comment after login", in_session("<message to='%s'><body>a<!-- b --></body></message>" % h.DOMAIN))
    # Row 4: processing instructions anywhere (the XML declaration itself is not one).
    p.run("4 PI before the header", first("<?xml version='1.0'?><?xml-stylesheet href='x'?>" + BODY))
    p.run("4 PI in the stream", inside("<?x y?>"))
    p.run("4 PI in a stanza", inside("<presence><?x y?></presence>"))
    p.run("4 PI after login", in_session("<message to='%s'><?x y?></message>" % h.DOMAIN))
    # A second XML declaration is a misplaced declaration, not a PI: malformed.
    p.run("4 xml declaration in the stream", inside("<?xml version='1.0'?>", "not-well-formed"))
    # Row 5: undefined entities in text and attributes.
    p.run("5 undefined entity in text", inside("<message><body>&foo;</body></message>"))
    p.run("5 undefined entity in attribute", inside("<message id='&foo;'/>"))
    p.run("5 undefined entity after login",
          in_session("<message to='%s'><body>&foo;</body></message>" % h.DOMAIN))
    assert trap.hits == 0, "the server fetched an external entity (%d connections)" % trap.hits
    trap.close()

    # The five predefined entities and character references are XML, not attacks (control).
    w = p.witnesses
    w.a.send("<message to='%s' type='chat'><body>&lt;&gt;&amp;&apos;&quot;&#x41;&#66;</body></message>" % w.b.jid)
    got = w.b.wait_for(lambda e: rx.local(e.tag) == "message")
    assert got.findtext(rx.q(rx.NS_CLIENT, "body")) == "<>&'\"AB", rx.to_xml(got)


def test():
    rx.run_probes(build)


if __name__ == "__main__":
    h.main(test)
