# bad-input.md row 17 (RFC 6120 §4.9.3.4): slowloris. A connection that does not authenticate
# and bind within limits.auth_timeout (2 s here) gets <connection-timeout/> and is closed, however
# slowly it sends: nothing, a header byte by byte, a header and no SASL, STARTTLS and no header,
# SASL half done, SASL done and no bind. A direct-TLS connection that never handshakes is closed.
# Thousands of them at once and the per-address cap: 29-badinput-crowds.py.
import base64
import ssl
import time

import raw_probe as rx
import xmppd_harness as h

AUTH_TIMEOUT = 2.0
PER_IP = 50


def src(i):
    """Repetitions come from 200 loopback addresses: probes that wait out the deadline run
    many at a time, below the per-address cap."""
    return "127.0.1.%d" % (1 + i % 200)


def build(p, server, deadline, reps, workers, strict):
    """strict: every probe must reach the state it is about before the deadline (the first
    round, 2 s, one at a time). In the memory round (a short deadline, 100 at a time) a loaded
    machine may not get that far in time: the deadline then hits an earlier state, which is
    still a slow client and still owes <connection-timeout/> (or, before the TLS handshake of
    a direct-TLS connection finished, a close)."""
    user, pw = "slow-user", "pw-slow"
    early = [0]

    def timed_out(c, started, what):
        got = c.stream_error(timeout=deadline + 10)
        took = time.monotonic() - started
        assert got == "connection-timeout", "%s: <%s/>" % (what, got)
        # Not before the deadline (a closed connection at once would be a refusal, not a
        # timeout). No upper bound: the read above has its own generous one.
        assert took >= deadline - 0.3, "%s: closed after %.1f s" % (what, took)

    def slow(i, what, setup, tls=False, port=None):
        t0 = time.monotonic()
        try:
            c = rx.Raw(server, tls=tls, source=src(i), port=port)
        except OSError:
            if strict:
                raise
            early[0] += 1  # the handshake outlasted the deadline: closed, as it should be
            return
        with c:
            try:
                setup(c)
            except (AssertionError, OSError) as e:
                # Cut off in the TLS handshake after <proceed/>: nothing may follow it in
                # plaintext (RFC 6120 §5.4.3.3), so a close is all there is to get.
                cut_off = isinstance(e, (ssl.SSLEOFError, ConnectionResetError, BrokenPipeError)) or \
                    (isinstance(e, ssl.SSLError) and "EOF" in str(e))
                if strict or (c.error is None and not c.eof and not cut_off):
                    raise
                early[0] += 1
                if cut_off or c.error is None:
                    assert b"stream:error" not in c.received, c.received[-300:]
                    return
            try:
                timed_out(c, t0, what)
            except rx.ProbeFailure:
                # The same, when the client's side of the handshake had finished (TLS 1.3:
                # before the server has the client's Finished): nothing came over TLS.
                if strict or c.error is not None or not c.received.endswith(b"'urn:ietf:params:xml:ns:xmpp-tls'/>"):
                    raise
                early[0] += 1

    server.adduser(user, pw)

    def silent(i):
        slow(i, "silent TCP", lambda c: None)

    def header_dripping(i):
        def setup(c):
            header = c.header_xml()
            try:
                for n in range(len(header)):
                    c.send(header[n])
                    if c._read_once(time.monotonic() + 0.1) and (c.error or c.eof):
                        break
            except OSError:
                pass
        slow(i, "header byte by byte", setup)

    def header_only(i):
        slow(i, "header, no SASL", lambda c: (c.open(), c.features()))

    def starttls_only(i):
        slow(i, "STARTTLS, no new header", lambda c: (c.open(), c.starttls()))

    def sasl_half(i):
        def setup(c):
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>"
                   % (rx.NS_SASL, base64.b64encode(("n,,n=%s,r=abcdefgh" % user).encode()).decode()))
            c.wait_for(lambda e: e.tag == rx.q(rx.NS_SASL, "challenge"))
        slow(i, "SASL half done", setup, tls=True)

    def no_bind(i):
        def setup(c):
            c.open()
            c.features()
            c.auth_plain(user, pw)
            c.open()
            c.features()
        slow(i, "SASL done, no bind", setup, tls=True)

    def tls_never(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i), port=server.ports["c2s_tls"]) as c:  # TCP only: no ClientHello
            while not c.eof and c._read_once(t0 + deadline + 10):
                pass
            took = time.monotonic() - t0
            assert c.eof, "direct TLS without a handshake was never closed"
            # At the deadline: not refused at once (which is what a leaked pre-auth place gives).
            assert took >= deadline - 0.3 and not c.received, (took, c.received[:100])

    for name, probe in (("17 silent TCP", silent), ("17 header byte by byte", header_dripping),
                        ("17 header and no SASL", header_only), ("17 STARTTLS and no header", starttls_only),
                        ("17 SASL half done", sasl_half), ("17 SASL done, no bind", no_bind),
                        ("17 direct TLS, no handshake", tls_never)):
        early[0] = 0
        p.run(name, probe, reps=reps, workers=workers)
        if early[0]:
            print("     %d of the repetitions met the deadline before they got that far" % early[0], flush=True)


def test():
    # The deadline of 2 s, each probe once with the witnesses watching.
    rx.run_probes(lambda p, server: build(p, server, AUTH_TIMEOUT, 0, 1, True),
                  dict(limits={"auth_timeout": '"2s"', "max_preauth_per_ip": PER_IP,
                               "anonymous_logins_per_ip_per_minute": 1000000}))
    # 1,000 repetitions for memory against a 1 s deadline, 100 at a time (from 200 addresses,
    # below the per-address cap).
    rx.run_probes(lambda p, server: build(p, server, 1.0, rx.repetitions(), 100, False),
                  dict(limits={"auth_timeout": '"1s"', "max_preauth_per_ip": PER_IP,
                               "anonymous_logins_per_ip_per_minute": 1000000}))


if __name__ == "__main__":
    h.main(test)
