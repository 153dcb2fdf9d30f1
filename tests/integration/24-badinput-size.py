# bad-input.md rows 15-16 and the parser budgets (RFC 6120 §13.12): a 1 MiB stanza, before and
# after authentication, is refused with <policy-violation/> as soon as the byte budget is crossed
# (not after the server has buffered it all); 10,000-deep nesting from an anonymous session is
# refused at depth 33 with O(depth) work; too many attributes or namespace declarations and
# overlong names likewise. Stanzas within the budgets still go through.
import raw_probe as rx
import xmppd_harness as h

MIB = 1 << 20
PREAUTH = 16 * 1024      # limits.preauth_stanza_size (default)
ACCOUNT = 256 * 1024     # limits.stanza_size
ANONYMOUS = 64 * 1024    # limits.stanza_size_anonymous


def stream_big(c, head, filler, budget, total=MIB, chunk=4096):
    """Offers a stanza of `total` bytes: head, then filler, but only a little past the byte
    budget at first and then nothing more until the server has answered. The answer has to
    come from what the server parsed so far, not after it took in the whole 1 MiB (RFC 6120
    §13.12), and how many bytes the socket buffers soak up meanwhile, which depends on the
    machine's load, plays no part. The rest of the 1 MiB follows once the error is in; the
    server has closed by then, so those writes fail or go nowhere. Returns the bytes sent
    before the error."""
    c.send(head)
    sent = len(head)
    block = (filler * (chunk // len(filler) + 1))[:chunk].encode()
    try:
        while sent <= budget + 2 * chunk:
            c.send(block)
            sent += len(block)
    except OSError:
        pass  # refused even earlier (a token too large to hold): the error is read below
    condition = c.stream_error()
    rest = total - sent
    try:
        while rest > 0:
            c.sock.sendall(block)
            rest -= len(block)
    except OSError:
        pass  # closed, as it should be
    return sent, condition


def build(p, server):
    user, pw = "size-user", "pw-size"
    server.adduser(user, pw)
    witness = p.witnesses.b.jid

    def big_preauth(head, filler):
        def probe(i):
            with rx.Raw(server) as c:
                c.open()
                c.features()
                sent, condition = stream_big(c, head, filler, PREAUTH)
                assert condition == "policy-violation", c.error
                if i == 0:
                    print("     %r...: <policy-violation/> after %d bytes, the rest not needed" % (head[:20], sent))
        return probe

    def big_session(head, filler, budget, anonymous=False):
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                c.login(user, pw, anonymous=anonymous)
                sent, condition = stream_big(c, head, filler, budget)
                assert condition == "policy-violation", c.error
                if i == 0:
                    print("     %r...: <policy-violation/> after %d bytes, the rest not needed" % (head[:20], sent))
        return probe

    # 1,000 repetitions each: the server stops reading at the budget, so they are quick.
    reps = rx.repetitions()
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
                try:
                    c.send(deep)
                except OSError:
                    pass
                assert c.stream_error() == "policy-violation", c.error
        return probe
    p.run("16 10,000-deep nesting, anonymous", deep_session(True))
    p.run("16 10,000-deep nesting, account", deep_session(False))
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
        anonymous=i % 2 == 1))

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
