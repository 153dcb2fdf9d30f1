# bad-input.md row 17 (RFC 6120 §4.9.3.4): slowloris. A connection that does not authenticate
# and bind within limits.auth_timeout (2 s here) gets <connection-timeout/> and is closed, however
# slowly it sends: nothing, a header byte by byte, a header and no SASL, STARTTLS and no header,
# SASL half done, SASL done and no bind. A direct-TLS connection that never handshakes is closed.
# Thousands of them at once and the per-address cap: 29-badinput-crowds.py.
import base64
import time

import raw_probe as rx
import xmppd_harness as h

AUTH_TIMEOUT = 2.0
PER_IP = 50


def src(i):
    """Repetitions come from 200 loopback addresses: probes that wait out the deadline run
    many at a time, below the per-address cap."""
    return "127.0.1.%d" % (1 + i % 200)


def build(p, server, deadline, reps, workers):
    user, pw = "slow-user", "pw-slow"

    def timed_out(c, started, what):
        got = c.stream_error(timeout=deadline + 8)
        took = time.monotonic() - started
        assert got == "connection-timeout", "%s: <%s/>" % (what, got)
        assert deadline - 0.3 <= took <= deadline + 3, "%s: closed after %.1f s" % (what, took)

    server.adduser(user, pw)

    def silent(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i)) as c:
            timed_out(c, t0, "silent TCP")

    def header_dripping(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i)) as c:
            header = c.header_xml()
            try:
                for n in range(len(header)):
                    c.send(header[n])
                    if c._read_once(time.monotonic() + 0.1) and (c.error or c.eof):
                        break
            except OSError:
                pass
            timed_out(c, t0, "header byte by byte")

    def header_only(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i)) as c:
            c.open()
            c.features()
            timed_out(c, t0, "header, no SASL")

    def starttls_only(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i)) as c:
            c.open()
            c.starttls()
            timed_out(c, t0, "STARTTLS, no new header")

    def sasl_half(i):
        t0 = time.monotonic()
        with rx.Raw(server, tls=True, source=src(i)) as c:
            c.open()
            c.features()
            c.send("<auth xmlns='%s' mechanism='SCRAM-SHA-256'>%s</auth>"
                   % (rx.NS_SASL, base64.b64encode(("n,,n=%s,r=abcdefgh" % user).encode()).decode()))
            c.wait_for(lambda e: e.tag == rx.q(rx.NS_SASL, "challenge"))
            timed_out(c, t0, "SASL half done")

    def no_bind(i):
        t0 = time.monotonic()
        with rx.Raw(server, tls=True, source=src(i)) as c:
            c.open()
            c.features()
            c.auth_plain(user, pw)
            c.open()
            c.features()
            timed_out(c, t0, "SASL done, no bind")

    def tls_never(i):
        t0 = time.monotonic()
        with rx.Raw(server, source=src(i), port=server.ports["c2s_tls"]) as c:  # TCP only: no ClientHello
            while not c.eof and c._read_once(t0 + deadline + 8):
                pass
            took = time.monotonic() - t0
            assert c.eof, "direct TLS without a handshake was never closed"
            # At the deadline: not refused at once (which is what a leaked pre-auth place gives).
            assert deadline - 0.3 <= took <= deadline + 3 and not c.received, (took, c.received[:100])

    for name, probe in (("17 silent TCP", silent), ("17 header byte by byte", header_dripping),
                        ("17 header and no SASL", header_only), ("17 STARTTLS and no header", starttls_only),
                        ("17 SASL half done", sasl_half), ("17 SASL done, no bind", no_bind),
                        ("17 direct TLS, no handshake", tls_never)):
        p.run(name, probe, reps=reps, workers=workers)


def test():
    # The deadline of 2 s, each probe once with the witnesses watching.
    rx.run_probes(lambda p, server: build(p, server, AUTH_TIMEOUT, 0, 1),
                  dict(limits={"auth_timeout": '"2s"', "max_preauth_per_ip": PER_IP,
                               "anonymous_logins_per_ip_per_minute": 1000000}))
    # 1,000 repetitions for memory against a 500 ms deadline, 50 at a time: the same paths
    # without 200 TLS connections at once, whose allocator high-water mark takes longer than
    # the warm-up to settle and reads as growth without being any.
    rx.run_probes(lambda p, server: build(p, server, 0.5, rx.repetitions(), 50),
                  dict(limits={"auth_timeout": '"500ms"', "max_preauth_per_ip": PER_IP,
                               "anonymous_logins_per_ip_per_minute": 1000000}))


if __name__ == "__main__":
    h.main(test)
