# bad-input.md row 25: floods from a bound session (a consultant's or an anonymous visitor's) are
# delayed by the per-session token bucket (limits.stanzas_per_second, burst twice that), never
# dropped: every flooded message arrives, in order, later; a ping after a flood of subscriptions
# or directed presences is answered once the flood has been taken in. A session that writes
# without end is back-pressured (the server stops reading it) instead of buffered. Other
# sessions do not notice: the witnesses' pings stay fast during the floods. With the roster
# module enabled the roster size cap holds too (RFC 6121 §2.3.3: cancel/not-allowed).
import threading
import time

import raw_probe as rx
import xmppd_harness as h

RATE = 200           # limits.stanzas_per_second (default)
RATE_ANONYMOUS = 20  # limits.stanzas_per_second_anonymous (default)
ROSTER_MAX = 20


def min_duration(n, rate):
    """The token bucket holds 2 x rate; the rest of n takes (n - 2 rate) / rate seconds."""
    return max(0.0, (n - 2 * rate) / rate)


class PingWatch:
    """Pings from a witness every 100 ms while a flood runs; the worst round trip."""

    def __init__(self, witness):
        self.witness = witness
        self.worst = 0.0
        self.count = 0
        self.stop = False
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stop:
                t0 = time.monotonic()
                self.witness.ping(timeout=30)  # a hang fails; the worst is judged in done()
                self.worst = max(self.worst, time.monotonic() - t0)
                self.count += 1
                time.sleep(0.1)
        except Exception as e:  # reported by done()
            self.error = e

    def done(self, flood_seconds):
        """The witness was served all along: its pings were all answered, several of them
        while the flood ran, and none waited anywhere near as long as the flood took (a
        server that worked off a flood before anything else would make one ping wait for
        all of it). Relative to the flood, so a loaded machine does not fail it."""
        self.stop = True
        self.thread.join()
        assert self.error is None, "a witness ping failed during the flood: %s" % self.error
        assert self.count >= 3 and self.worst < max(1.0, flood_seconds / 2), \
            "witness pings: %d, worst %.2f s in a flood of %.1f s" % (self.count, self.worst, flood_seconds)
        return self.worst


def build(p, server):
    user, pw = "flood-user", "pw-flood"
    server.adduser(user, pw)
    w = p.witnesses

    # Messages: all delivered, in order, at the session's rate.
    n = 1000
    flooder = rx.Raw(server, tls=True).login(user, pw, resource="flooder")
    watch = PingWatch(w.a)
    t0 = time.monotonic()
    flooder.send("".join("<message to='%s' type='chat' id='f%d'><body>%d</body></message>" % (w.b.jid, i, i)
                         for i in range(n)))
    bodies = []
    while len(bodies) < n:
        m = w.b.wait_for(lambda e: rx.local(e.tag) == "message", timeout=15)
        bodies.append(int(m.findtext(rx.q(rx.NS_CLIENT, "body"))))
    took = time.monotonic() - t0
    worst = watch.done(took)
    assert bodies == list(range(n)), "messages lost or reordered"
    assert took >= 0.8 * min_duration(n, RATE), "%d messages in %.1f s: not rate limited" % (n, took)
    print("ok   25 message flood: %d delivered in order in %.1f s; witness pings at most %.0f ms"
          % (n, took, worst * 1000), flush=True)
    w.check("message flood")

    # Subscriptions and directed presences to thousands of JIDs: delayed, then the ping.
    for name, stanza, count in (
            ("subscribe flood", "<presence type='subscribe' to='nobody%d@localhost'/>", 1000),
            ("directed presence to 2,000 JIDs", "<presence to='nobody%d@localhost/r'/>", 2000)):
        watch = PingWatch(w.a)
        t0 = time.monotonic()
        flooder.send("".join(stanza % i for i in range(count)))
        # Bounded generously (a hang still fails): the rate sets the least time, load adds to it.
        flooder.ping(timeout=3 * count / RATE + 30)  # skips whatever the flood brought back
        took = time.monotonic() - t0
        worst = watch.done(took)
        assert took >= 0.8 * min_duration(count, RATE), "%d stanzas in %.1f s: not rate limited" % (count, took)
        print("ok   25 %s: taken in %.1f s; witness pings at most %.0f ms" % (name, took, worst * 1000), flush=True)
        flooder.quiet(0.2)
        w.check(name)

    # An anonymous visitor's budget is lower.
    visitor = rx.Raw(server, tls=True).login(anonymous=True)
    n = 100
    t0 = time.monotonic()
    visitor.send("".join("<message to='%s' type='chat'><body>%d</body></message>" % (visitor.jid, i)
                         for i in range(n)))
    got = [int(visitor.wait_for(lambda e: rx.local(e.tag) == "message", timeout=15).findtext(
        rx.q(rx.NS_CLIENT, "body"))) for _ in range(n)]
    took = time.monotonic() - t0
    assert got == list(range(n)) and took >= 0.8 * min_duration(n, RATE_ANONYMOUS), (took, got[:5])
    print("ok   25 anonymous flood: %d delivered in order in %.1f s" % (n, took), flush=True)
    visitor.end()
    w.check("anonymous flood")

    # Writing without end: the server stops reading (the bucket is awaited in the reader),
    # the client's writes block, and the server holds no more than a little of it.
    before = rx.settled_rss(server)
    hog = rx.Raw(server, tls=True).login(user, pw, resource="hog")
    hog.sock.setblocking(False)
    block = ("<presence to='nobody@localhost/r'/>" * 200).encode()
    accepted = 0
    stalled_at = time.monotonic() + 10
    while time.monotonic() < stalled_at:
        try:
            accepted += hog.sock.send(block)
        except (BlockingIOError, rx.ssl.SSLWantWriteError):
            time.sleep(0.05)  # refused: let a few more drain, then stop at the first long stall
            try:
                accepted += hog.sock.send(block)
            except (BlockingIOError, rx.ssl.SSLWantWriteError):
                break
    during = server.rss_kib()
    w.check("a session writing without end")
    print("     a session writing without end got %d KiB in; server RSS %+d KiB"
          % (accepted // 1024, during - before), flush=True)
    assert accepted < 64 * 1024 * 1024, "the server kept reading: %d bytes" % accepted
    assert rx.SANITIZED or during - before <= 1024, "the server buffered the flood: RSS %+d KiB" % (during - before)
    hog.close()

    # Memory: 1,000 sessions, 10 at a time, each sending directed presence to 200 JIDs (within
    # the token bucket's burst, so no waiting; the session tracks them for its unavailable
    # presence, RFC 6121 §4.6.3) and a ping, then closing.
    def flood_probe(i):
        with rx.Raw(server, tls=True) as c:
            c.login(user, pw)
            c.send("".join("<presence to='nobody%d@localhost/r'/>" % k for k in range(RATE)))
            c.ping(timeout=30)
            c.end()
    p.run("25 directed presence to 200 JIDs", flood_probe, workers=10)

    # Roster size cap, when the roster module runs on the host.
    probe = w.a.iq("<query xmlns='jabber:iq:roster'/>")
    if probe.get("type") != "result":
        print("skip 25 roster cap: the roster module is not enabled on %s" % h.DOMAIN, flush=True)
        return
    # The subscription flood above (1,000 contacts asked) left at most the cap in the roster.
    items = flooder.iq("<query xmlns='jabber:iq:roster'/>").find(rx.q("jabber:iq:roster", "query"))
    assert len(items) <= ROSTER_MAX, "%d roster items after a subscription flood" % len(items)
    flooder.end()
    server.adduser("roster-user", pw)
    c = rx.Raw(server, tls=True).login("roster-user", pw)
    for i in range(ROSTER_MAX + 1):
        reply = c.iq("<query xmlns='jabber:iq:roster'><item jid='contact%d@example.org'/></query>" % i, type="set")
        if i < ROSTER_MAX:
            assert reply.get("type") == "result", rx.to_xml(reply)
    assert rx.stanza_error(reply) == ("cancel", "not-allowed"), rx.to_xml(reply)
    print("ok   25 roster cap: %d items after a flood of 1,000 subscriptions; item %d refused (cancel/not-allowed)"
          % (len(items), ROSTER_MAX + 1), flush=True)
    c.quiet(0.3)  # roster pushes
    c.end()
    w.check("roster cap")


def roster_option(server):
    """The roster cap, lowered for the test, when the module exists in this build."""
    if '"roster"' in open(server.config).read():
        with open(server.config, "a") as f:
            f.write('\n[hosts."%s".module.roster]\nmax_items = %d\n' % (h.DOMAIN, ROSTER_MAX))


def test():
    rx.run_probes(build, dict(limits={"max_preauth_per_ip": 10000, "anonymous_logins_per_ip_per_minute": 1000000}),
                  before_start=roster_option)


if __name__ == "__main__":
    h.main(test)
