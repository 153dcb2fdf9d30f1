# Connection churn with resets and half stanzas, and a full table (30-connections-10k.py is the plain churn). 10,000 connections are opened and dropped in batches of
# 2,000 (the test process keeps at most that many descriptors; the limit is ~20,000): a third
# close at once, a third after the server's stream features, a third after sending half a
# stanza, some with a reset instead of a FIN. Afterwards the server is alive, holds no more
# descriptors than before, and a normal login (slixmpp, SCRAM) works. Memory: RSS after a second
# 10,000 is within 1 MiB of RSS after the first (the first batches only raise the allocator's
# high-water mark to what 2,000 connections at once need). Then a full table: with limits.max_connections = 50, the 51st connection gets
# a polite <resource-constraint/> stream error and a close (RFC 6120 §4.9.3.17), not a hang or
# a reset; on the direct-TLS port it is closed without a byte; a place freed is usable again.
import os
import socket
import struct
import time

import raw_probe as rx
import xmppd_harness as h
from xmpp_clients import Client, run

# In a sanitizer build (where LeakSanitizer, not RSS, judges memory) one batch per round
# covers the same paths at a fraction of the time.
TOTAL = 2000 if rx.SANITIZED else 10000
BATCH = 2000


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def churn(server, total=TOTAL):
    # 50 per address (the pre-auth cap is 64), new addresses for every batch.
    header = rx.Raw.header_xml()
    fds_before = fd_count(server.proc.pid)
    rss = []
    t0 = time.monotonic()
    for b in range(total // BATCH):
        sources = ["127.0.%d.%d" % (2 + b % 50, n) for n in range(1, 41)]
        crowd = rx.Crowd(server, BATCH, sources=sources, per_source=BATCH // len(sources))
        socks = crowd.socks
        third = BATCH // 3
        # 1: close at once, half of them with a reset (SO_LINGER 0).
        for i, s in enumerate(socks[:third]):
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # 2 and 3: a stream header; 3 also half a stanza.
        for s in socks[third:]:
            s.setblocking(True)
            s.sendall(header.encode())
        for s in socks[2 * third:]:
            s.sendall(b"<message to='localhost'><body>half")
        for s in socks[:third]:
            crowd.sel.unregister(s)
            s.close()
            crowd.closed.add(s)
        # Wait until every open one has its features (the server has read the header).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            crowd.pump(0.2)
            if all(b"</stream:features>" in crowd.data[s] for s in socks[third:]):
                break
        missing = sum(1 for s in socks[third:] if b"</stream:features>" not in crowd.data[s])
        assert missing == 0, "%d connections got no stream features" % missing
        for i, s in enumerate(socks[third:]):
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        crowd.close()
        # Closed connections are gone from the server: descriptors back to where they were.
        deadline = time.monotonic() + 15
        while fd_count(server.proc.pid) > fds_before + 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.alive(), "xmppd died in batch %d" % b
        rss.append(rx.settled_rss(server, 0.5))
    took = time.monotonic() - t0
    fds_after = fd_count(server.proc.pid)
    print("ok   %d connections opened and dropped in %.1f s; descriptors %d -> %d; RSS after each batch %s KiB"
          % (total, took, fds_before, fds_after, rss), flush=True)
    assert fds_after <= fds_before + 5, "descriptors leaked: %d -> %d" % (fds_before, fds_after)
    # The peak over the batches: a leak raises it batch after batch, while which batch the
    # allocator happened to have trimmed last when RSS was read does not move it.
    return max(rss)


def test():
    # max_preauth_per_ip stays at its default (64): the batches come from 40 addresses.
    with h.Server(channel_binding=False) as server:
        jid = server.adduser("alice", "churn-pw")
        first = churn(server)
        second = churn(server)
        print("memory %-40s peak rss over %d: %6d KiB, over %d more: %6d KiB (%+d KiB)"
              % ("connections opened and dropped", TOTAL, first, TOTAL, second, second - first), flush=True)
        assert rx.SANITIZED or second - first <= 1024, "RSS grew with the connections: %d -> %d KiB" % (first, second)
        c = Client(jid, "churn-pw", mechanism="SCRAM-SHA-256")
        run(c.login(server.ports["c2s"]))
        assert run(c["xep_0199"].ping(h.DOMAIN, timeout=5)) is not None
        run(c.close())
        print("ok   a normal login (slixmpp, SCRAM-SHA-256) after the churn", flush=True)
        rx.check_log_clean(server)
        rx.stop_and_check(server)

    # A full table: 50 connections, the 51st refused politely.
    with h.Server(channel_binding=False, limits={"max_connections": 50, "max_preauth_per_ip": 100}) as server:
        server.adduser("bob", "full-pw")
        server.adduser("carol", "full-pw")
        bob = rx.Raw(server, tls=True).login("bob", "full-pw")
        held = [rx.Raw(server) for _ in range(49)]
        for c in held[:5]:
            c.open()
            c.features()
        for attempt in range(20):
            with rx.Raw(server) as extra:
                got = extra.stream_error(timeout=5)
                assert got == "resource-constraint", got
        # On the direct-TLS port: closed, no plaintext (XEP-0368).
        with rx.Raw(server, port=server.ports["c2s_tls"]) as extra:
            extra._read_once(time.monotonic() + 5)
            assert extra.eof and not extra.received, extra.received[:100]
        bob.ping()  # a session already in is not affected
        print("ok   full table: the 51st connection gets <resource-constraint/> and a close", flush=True)
        # A place freed is a place again.
        held.pop().close()
        time.sleep(0.3)
        carol = rx.Raw(server, tls=True).login("carol", "full-pw")
        carol.ping()
        with rx.Raw(server) as extra:
            assert extra.stream_error(timeout=5) == "resource-constraint"
        for c in held:
            c.close()
        carol.end()
        bob.end()
        rx.check_log_clean(server)
        rx.stop_and_check(server)


if __name__ == "__main__":
    h.main(test)
