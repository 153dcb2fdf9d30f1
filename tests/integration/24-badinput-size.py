# bad-input.md rows 15-16 and the parser budgets (RFC 6120 §13.12): a 1 MiB stanza, before and
# after authentication, is refused with <policy-violation/> as soon as the byte budget is crossed
# (not after the server has buffered it all); 10,000-deep nesting from an anonymous session is
# refused at depth 33 with O(depth) work; too many attributes or namespace declarations and
# overlong names likewise. Stanzas within the budgets still go through.
import select
import time

import raw_probe as rx
import xmppd_harness as h

MIB = 1 << 20
PREAUTH = 16 * 1024      # limits.preauth_stanza_size (default)
ACCOUNT = 256 * 1024     # limits.stanza_size
ANONYMOUS = 64 * 1024    # limits.stanza_size_anonymous


def stream_big(c, head, filler, total=MIB, chunk=4096):
    """Sends head + filler up to `total` bytes in chunks, stopping when the server answers.
    Returns the bytes sent when the stream error was there (or all of them)."""
    c.send(head)
    sent = len(head)
    block = (filler * (chunk // len(filler) + 1))[:chunk].encode()
    while sent < total:
        try:
            c.sock.sendall(block)
        except OSError:
            break  # the server closed while we were still writing: fine
        sent += len(block)
        # Let the server read and answer; stop as soon as it did.
        r, _, _ = select.select([c.sock], [], [], 0.002)
        if r or (hasattr(c.sock, "pending") and c.sock.pending()):
            c._read_once(time.monotonic() + 0.05)
            if c.error or c.eof:
                break
    return sent


def build(p, server):
    user, pw = "size-user", "pw-size"
    server.adduser(user, pw)
    witness = p.witnesses.b.jid

    def big_preauth(head, filler):
        def probe(i):
            with rx.Raw(server) as c:
                c.open()
                c.features()
                sent = stream_big(c, head, filler)
                assert c.stream_error() == "policy-violation", c.error
                # The budget is checked while parsing: the answer comes long before 1 MiB. What
                # the client manages to send meanwhile also fills loopback socket buffers,
                # which on a loaded machine hold a few hundred KiB.
                assert sent <= PREAUTH + 384 * 1024, "answered only after %d bytes" % sent
                if i == 0:
                    print("     %r...: the error came after %d bytes sent" % (head[:20], sent))
        return probe

    def big_session(head, filler, budget, anonymous=False):
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                c.login(user, pw, anonymous=anonymous)
                sent = stream_big(c, head, filler)
                assert c.stream_error() == "policy-violation", c.error
                assert sent <= budget + 64 * 1024, "answered only after %d bytes" % sent
                if i == 0:
                    print("     %r...: the error came after %d bytes sent" % (head[:20], sent))
        return probe

    reps = max(100, rx.repetitions() // 5)  # 1 MiB each: 200 MiB through the server per probe
    # Row 15: one long text, many small children, one huge attribute (a single token).
    p.run("15 1 MiB body before auth", big_preauth("<message><body>", "A"), reps=reps)
    p.run("15 1 MiB of children before auth", big_preauth("<message>", "<a/>"), reps=reps)
    p.run("15 1 MiB attribute before auth", big_preauth("<message id='", "B"), reps=reps)
    p.run("15 1 MiB body after login", big_session("<message to='%s'><body>" % witness, "A", ACCOUNT), reps=reps)
    p.run("15 1 MiB attribute after login", big_session("<message id='", "B", ACCOUNT), reps=reps)
    p.run("15 1 MiB body, anonymous", big_session("<message to='%s'><body>" % witness, "A", ANONYMOUS, True),
          reps=reps)
    # Budgets are per stanza, not per stream: many stanzas below it are fine (control).
    w = p.witnesses
    text = "x" * (ACCOUNT - 8 * 1024)
    w.a.message(w.b.jid, text)
    got = w.b.wait_for(lambda e: rx.local(e.tag) == "message", timeout=20)
    assert got.findtext(rx.q(rx.NS_CLIENT, "body")) == text

    # Row 16: 10,000-deep nesting, from an anonymous visitor (and before auth, and a consultant).
    deep = "<message to='%s'>" % witness + "<a>" * 10000 + "</a>" * 10000 + "</message>"

    def deep_session(anonymous):
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                c.login(user, pw, anonymous=anonymous)
                t0 = time.monotonic()
                try:
                    c.send(deep)
                except OSError:
                    pass
                assert c.stream_error() == "policy-violation", c.error
                assert time.monotonic() - t0 < 5
        return probe
    p.run("16 10,000-deep nesting, anonymous", deep_session(True))
    p.run("16 10,000-deep nesting, account", deep_session(False), reps=200)
    p.run("16 10,000-deep nesting before auth", lambda i: rx.expect_preauth_error(
        server, "<message>" + "<a>" * 10000, "policy-violation"))
    # Depth 32 is allowed (counted from the stanza), 33 is not.
    nested = "<x xmlns='urn:example:deep'>" + "<a>" * 30 + "</a>" * 30 + "</x>"
    w.a.send("<message to='%s' type='chat'><body>deep</body>%s</message>" % (w.b.jid, nested))
    got = w.b.wait_for(lambda e: rx.local(e.tag) == "message")
    depth, e = 1, got.find("{urn:example:deep}x")
    while e is not None:
        depth += 1
        e = e.find("{urn:example:deep}a")
    assert depth == 32, depth
    p.run("16 depth 33", lambda i: rx.expect_session_error(
        server, user, pw, "<message>" + "<a>" * 32 + "</a>" * 32 + "</message>", "policy-violation",
        anonymous=i % 2 == 1), reps=300)

    # The other parser budgets (bad-input.md, "Per-connection budgets").
    attrs = " ".join("a%d='1'" % n for n in range(65))
    p.run("65 attributes", lambda i: rx.expect_preauth_error(server, "<message %s/>" % attrs, "policy-violation"))
    p.run("1 KiB+ element name", lambda i: rx.expect_preauth_error(
        server, "<m%s/>" % ("x" * 1100), "policy-violation"))
    p.run("1 KiB+ attribute name", lambda i: rx.expect_preauth_error(
        server, "<message %s='1'/>" % ("x" * 1100), "policy-violation"))
    decls = " ".join("xmlns:p%d='urn:p%d'" % (n, n) for n in range(17))
    p.run("17 namespace declarations", lambda i: rx.expect_preauth_error(
        server, "<message %s/>" % decls, "policy-violation"))
    # 64 attributes and 16 declarations are within the budget (control).
    ok_attrs = " ".join("a%d='1'" % n for n in range(62))  # with 'to' and 'type': 64
    ok_decls = " ".join("xmlns:p%d='urn:p%d'" % (n, n) for n in range(16))
    w.a.send("<message to='%s' type='chat' %s><body>attrs</body></message>" % (w.b.jid, ok_attrs))
    assert w.b.wait_for(lambda e: rx.local(e.tag) == "message").findtext(rx.q(rx.NS_CLIENT, "body")) == "attrs"
    w.a.send("<message to='%s' type='chat'><body>decls</body><x %s/></message>" % (w.b.jid, ok_decls))
    assert w.b.wait_for(lambda e: rx.local(e.tag) == "message").findtext(rx.q(rx.NS_CLIENT, "body")) == "decls"


def test():
    rx.run_probes(build)


if __name__ == "__main__":
    h.main(test)
