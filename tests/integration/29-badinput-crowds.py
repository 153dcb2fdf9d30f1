# bad-input.md row 17, thousands at once: slowloris connections spread over 40 addresses each
# hold a partial stanza of 15 KiB (just under the 16 KiB pre-auth budget) until the deadline
# (limits.auth_timeout, 2 s here); all get <connection-timeout/> (RFC 6120 §4.9.3.4), memory per
# pre-auth connection is bounded and is reused by the next wave. From one address only
# max_preauth_per_ip are held; the rest are refused at once with <policy-violation/> (on the
# direct-TLS port: closed without XML), other addresses and the witnesses go on, and the places
# come back when the connections go (also after failed TLS handshakes).
import time

import raw_probe as rx
import xmppd_harness as h

AUTH_TIMEOUT = 2.0
PER_IP = 50


def build(p, server):
    user, pw = "crowd-user", "pw-crowd"
    server.adduser(user, pw)
    # Thousands at once, spread over addresses below the per-address cap: every one of them
    # gets <connection-timeout/> after the deadline, each holding a partial stanza of 15 KiB
    # (just under the pre-auth budget) in the server meanwhile.
    sources = ["127.0.0.%d" % n for n in range(10, 50)]
    header = rx.Raw.header_xml()
    partial = "<message><body>" + "x" * (15 * 1024)

    def wave(n):
        """n connections hold a partial stanza until the deadline; returns the highest RSS
        seen meanwhile (sampled while the server reads them and until it closes them)."""
        crowd = rx.Crowd(server, n, sources=sources, per_source=PER_IP)
        t0 = time.monotonic()
        crowd.send_all(header)
        crowd.send_all(partial)
        peak = server.rss_kib()
        while len(crowd.closed) < n and time.monotonic() - t0 < AUTH_TIMEOUT + 15:
            crowd.pump(0.2)
            peak = max(peak, server.rss_kib())
        took = time.monotonic() - t0
        conds = crowd.conditions()
        crowd.close()
        assert len(crowd.closed) == n, "%d of %d connections closed by the server" % (len(crowd.closed), n)
        assert conds.count("connection-timeout") == n, {c: conds.count(c) for c in set(conds)}
        assert took < AUTH_TIMEOUT + 10, took
        return peak

    # The first wave sets the allocator's high-water mark; later waves must reuse it.
    n = 2000
    base = rx.settled_rss(server, 0.5)
    peak = wave(n)
    per_conn = (peak - base) / n
    print("     %d pre-auth connections holding 15 KiB partial stanzas: +%d KiB, %.1f KiB each"
          % (n, peak - base, per_conn), flush=True)
    assert rx.SANITIZED or per_conn < 64, "%.1f KiB per pre-auth connection (budget 16 KiB)" % per_conn
    after_first = rx.settled_rss(server, 1)
    wave(n)
    wave(n)
    after_third = rx.settled_rss(server, 1)
    print("memory %-40s rss after %d: %6d KiB, after %d: %6d KiB (%+d KiB)"
          % ("17 slowloris waves", n, after_first, 3 * n, after_third, after_third - after_first), flush=True)
    assert rx.SANITIZED or after_third - after_first <= 1024, "waves grew RSS by %d KiB" % (after_third - after_first)
    p.witnesses.check("slowloris waves")

    # The per-address cap: 1,000 from one address; PER_IP are held, the rest are refused at
    # once with <policy-violation/>; another address and the witnesses are unaffected.
    crowd = rx.Crowd(server, 1000, sources=("127.0.0.5",))
    crowd.pump(1.0)
    conds = crowd.conditions()
    refused = conds.count("policy-violation")
    assert refused == 1000 - PER_IP, {c: conds.count(c) for c in set(conds)}
    assert len(crowd.closed) >= refused
    other = rx.Raw(server, tls=True, source="127.0.0.6").login(user, pw)
    other.ping()
    p.witnesses.check("per-address cap")
    crowd.wait_closed(AUTH_TIMEOUT + 10)
    conds = crowd.conditions()
    assert conds.count("connection-timeout") == PER_IP, {c: conds.count(c) for c in set(conds)}
    crowd.close()
    # The cap is released as they go: the address can connect again.
    with rx.Raw(server, source="127.0.0.5") as c:
        c.open()
        c.features()
    # Over the cap on the direct-TLS port the refusal is a plain close: no XML before TLS.
    held = [rx.Raw(server, source="127.0.0.8") for _ in range(PER_IP)]
    with rx.Raw(server, source="127.0.0.8", port=server.ports["c2s_tls"]) as c:
        c._read_once(time.monotonic() + 5)
        assert c.eof and not c.received, c.received[:100]
    for c in held:
        c.close()
    # Failed direct-TLS handshakes give their place back (a leak locked an address out after
    # max_preauth_per_ip of them, and everyone out after max_connections).
    for _ in range(3 * PER_IP):
        with rx.Raw(server, source="127.0.0.7", port=server.ports["c2s_tls"]) as c:
            c.send(b"\x16\x03\x01\x00\x05hello")  # not a ClientHello
            while not c.eof and c._read_once(time.monotonic() + 5):
                pass
            assert c.eof
    late = rx.Raw(server, tls=True, source="127.0.0.7").login(user, pw)
    late.end()
    other.ping()  # a bound session is not subject to the auth deadline
    other.end()


def test():
    rx.run_probes(build, dict(limits={"auth_timeout": '"2s"', "max_preauth_per_ip": PER_IP}))


if __name__ == "__main__":
    h.main(test)
