# bad-input.md rows 13-14 (RFC 6120 §6.4-§6.5, XEP-0175): an unknown mechanism, broken base64 and
# wrong credentials get the SASL failure the RFC names and the stream stays open for a retry;
# after the allowed retries (§6.4.5: 2-5) the stream is closed with <policy-violation/>. An
# anonymous login storm from one address is cut off per address (and overall), while other
# addresses and the witnesses go on; anonymous JIDs are random and unguessable. Row 13's lockout:
# past a number of wrong logins an account, or an address, gets <temporary-auth-failure/>
# (§6.5.12) for a while, whatever the password, while other accounts and addresses go on.
import base64
import re
import time

import raw_probe as rx
import xmppd_harness as h

SASL = rx.NS_SASL


def b64(s):
    return base64.b64encode(s.encode()).decode()


def failure_of(c):
    f = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL, what="SASL outcome")
    assert f.tag == rx.q(SASL, "failure"), rx.to_xml(f)
    kids = [rx.local(k.tag) for k in f if rx.local(k.tag) != "text"]
    return kids[0] if kids else None


def build(p, server):
    user, pw = "sasl-user", "pw-sasl"
    server.adduser(user, pw)

    def attempt(payload, expected):
        """One failed attempt on a fresh TLS stream; the stream stays usable: a correct login follows."""
        def probe(i):
            with rx.Raw(server, tls=True) as c:
                c.open()
                c.features()
                c.send(payload)
                got = failure_of(c)
                assert got == expected, "expected <%s/>, got <%s/> for %s" % (expected, got, payload)
                assert c.error is None and not c.eof
                c.auth_plain(user, pw)  # RFC 6120 §6.4.5: the retry succeeds
                c.open()
                c.features()
                c.bind()
        return probe

    # Row 13: the three conditions the table names, and their relatives.
    p.run("13 unknown mechanism", attempt("<auth xmlns='%s' mechanism='X-FOO'>=</auth>" % SASL,
                                          "invalid-mechanism"))
    p.run("13 mechanism not offered (ANONYMOUS on localhost)",
          attempt("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % SASL, "invalid-mechanism"))
    p.run("13 malformed base64", attempt("<auth xmlns='%s' mechanism='PLAIN'>!!!notbase64</auth>" % SASL,
                                         "incorrect-encoding"))
    p.run("13 base64 with bad padding", attempt("<auth xmlns='%s' mechanism='PLAIN'>AGE=AGI</auth>" % SASL,
                                                "incorrect-encoding"))
    p.run("13 wrong password", attempt("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("\0%s\0nope" % user)),
                                       "not-authorized"))
    p.run("13 unknown user", attempt("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("\0nobody\0x")),
                                     "not-authorized"))
    p.run("13 PLAIN without NULs", attempt("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("junk")),
                                           "malformed-request"))
    p.run("13 SCRAM garbage client-first",
          attempt("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>" % (SASL, b64("x,y,z")), "malformed-request"))
    p.run("13 response without auth", attempt("<response xmlns='%s'>%s</response>" % (SASL, b64("x")),
                                              "malformed-request"))

    def wrong_scram_proof(i):
        with rx.Raw(server, tls=True) as c:
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>" % (SASL, b64("n,,n=%s,r=abcdefgh" % user)))
            ch = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL)
            assert ch.tag == rx.q(SASL, "challenge"), rx.to_xml(ch)
            server_first = base64.b64decode(ch.text).decode()
            nonce = re.search(r"r=([^,]+)", server_first).group(1)
            final = "c=biws,r=%s,p=%s" % (nonce, base64.b64encode(b"\0" * 32).decode())
            c.send("<response xmlns='%s'>%s</response>" % (SASL, b64(final)))
            assert failure_of(c) == "not-authorized"
    p.run("13 SCRAM wrong proof", wrong_scram_proof)

    # §6.4.5: a few retries, then the stream ends with <policy-violation/>.
    attempts = 3  # limits.sasl_attempts (default)

    def too_many(i):
        with rx.Raw(server, tls=True) as c:
            c.open()
            c.features()
            for n in range(attempts):
                c.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("\0%s\0wrong%d" % (user, n))))
                assert failure_of(c) == "not-authorized"
                if n < attempts - 1:
                    assert c.error is None and not c.eof, "closed after %d failures" % (n + 1)
            assert c.stream_error() == "policy-violation"
    p.run("13 retries exhausted", too_many)

    # Before TLS on a TLS-required listener no mechanism is offered; SASL is refused.
    p.run("13 SASL before STARTTLS", lambda i: rx.expect_preauth_error(
        server, "<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("\0%s\0%s" % (user, pw))),
        "policy-violation"))

    # Row 14: anonymous logins from one address are cut off at the per-address rate; the
    # refusal is a policy-violation stream error; other addresses still get in.
    per_ip = 40

    def anonymous(source):
        with rx.Raw(server, tls=True, source=source) as c:
            c.open(to=h.GUEST)
            c.features()
            c.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % SASL)
            reply = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL or e.tag == rx.q(rx.NS_STREAM, "error"))
            if reply.tag == rx.q(SASL, "success"):
                c.open(to=h.GUEST)
                c.features()
                c.bind()
                c.end()
                return c.jid
            assert c.stream_error() == "policy-violation", rx.to_xml(reply)
            return None

    jids = [anonymous("127.0.0.2") for _ in range(per_ip)]
    assert all(jids), "an anonymous login below the limit was refused"
    # XEP-0175: random, unguessable localparts, never reused.
    locals_ = [j.split("@")[0] for j in jids]
    assert len(set(locals_)) == len(locals_)
    assert all(re.fullmatch(r"[0-9a-f]{32}", l) for l in locals_), locals_[:3]
    assert all(j.split("@")[1].startswith(h.GUEST) for j in jids)
    t0 = time.monotonic()
    refused = [anonymous("127.0.0.2") for _ in range(200)]
    assert not any(refused), "anonymous logins beyond the per-address rate were accepted"
    p.witnesses.check("anonymous storm from one address")
    assert anonymous("127.0.0.3"), "another address was refused"
    # The storm, 1,000 times more, in parallel: refusals stay cheap and memory flat.
    rx.memory_check(server, "14 anonymous storm (refused)", lambda i: anonymous("127.0.0.2") and None,
                    n=rx.repetitions())
    p.witnesses.check("anonymous storm x1000")


def build_global(p, server):
    # The global cap: spread over many addresses, the total per minute is still bounded.
    per_min = 30
    ok = 0
    for n in range(60):
        with rx.Raw(server, tls=True, source="127.0.1.%d" % (n + 1)) as c:
            c.open(to=h.GUEST)
            c.features()
            c.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % SASL)
            reply = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL or e.tag == rx.q(rx.NS_STREAM, "error"))
            if reply.tag == rx.q(SASL, "success"):
                ok += 1
            else:
                assert c.stream_error() == "policy-violation"
    assert ok == per_min, "%d anonymous logins accepted; the global cap is %d per minute" % (ok, per_min)
    p.witnesses.check("global anonymous cap")


def build_lockout(p, server):
    per_account, per_ip = 3, 6  # the limits this server is started with
    server.adduser("victim", "victim-pw")
    server.adduser("other", "other-pw")

    def plain(source, user, pw):
        """One PLAIN attempt on a fresh stream from `source`: 'success' or the failure's condition."""
        with rx.Raw(server, tls=True, source=source) as c:
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, b64("\0%s\0%s" % (user, pw))))
            reply = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL, what="SASL outcome")
            if reply.tag == rx.q(SASL, "success"):
                return "success"
            return failure_of_element(reply)

    def scram_first(source, user):
        with rx.Raw(server, tls=True, source=source) as c:
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>" % (SASL, b64("n,,n=%s,r=abcdefgh" % user)))
            reply = c.wait_for(lambda e: rx.ns_of(e.tag) == SASL, what="SASL outcome")
            return rx.local(reply.tag) if reply.tag != rx.q(SASL, "failure") else failure_of_element(reply)

    # The account: after `per_account` wrong passwords, even the right one is refused, from any
    # address, over PLAIN and SCRAM alike; another account on the same address is not affected.
    for n in range(per_account):
        assert plain("127.0.0.4", "victim", "guess%d" % n) == "not-authorized"
    assert plain("127.0.0.5", "victim", "victim-pw") == "temporary-auth-failure"
    assert scram_first("127.0.0.5", "victim") == "temporary-auth-failure"
    assert plain("127.0.0.4", "other", "other-pw") == "success"
    # An unknown account locks the same way: the answers never tell which accounts exist.
    for n in range(per_account):
        assert plain("127.0.0.8", "nobody", "guess%d" % n) == "not-authorized"
    assert plain("127.0.0.8", "nobody", "x") == "temporary-auth-failure"
    p.witnesses.check("account lockout")

    # The address: after `per_ip` wrong logins to different accounts, nothing from it gets in,
    # while another address logs the same account in.
    for n in range(per_ip):
        assert plain("127.0.0.6", "ghost%d" % n, "guess") == "not-authorized"
    assert plain("127.0.0.6", "other", "other-pw") == "temporary-auth-failure"
    assert scram_first("127.0.0.6", "other") == "temporary-auth-failure"
    assert plain("127.0.0.7", "other", "other-pw") == "success"
    p.witnesses.check("address lockout")


def failure_of_element(f):
    kids = [rx.local(k.tag) for k in f if rx.local(k.tag) != "text"]
    return kids[0] if kids else None


def test():
    rx.run_probes(build, dict(limits={"max_preauth_per_ip": 10000, "anonymous_logins_per_ip_per_minute": 40}))
    rx.run_probes(build_global, dict(limits={"anonymous_logins_per_ip_per_minute": 1000,
                                             "anonymous_logins_per_minute": 30}), warm=False)
    rx.run_probes(build_lockout, dict(limits={"auth_failures_per_account": 3, "auth_failures_per_ip": 6,
                                              "auth_lockout": '"10m"'}), warm=False)


if __name__ == "__main__":
    h.main(test)
