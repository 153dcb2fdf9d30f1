# 10,000 connections opened and dropped (issue 2 "bad input"): in waves of 2,000 (the test's own
# open-file limit is ~20,000), each one opening a stream and reading its features before it is
# dropped without a closing tag. The server stays up, its memory comes back to the level of the
# first wave, and a normal login works afterwards (RFC 6120 §4: every stream answered).
import socket

import raw_probe as rx
import xmppd_harness as h
from xmpp_clients import Client, run

WAVES, PER_WAVE = 5, 2000
HEADER = (b"<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


def wave(port):
    socks = []
    for _ in range(PER_WAVE):
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(HEADER)
        socks.append(s)
    answered = 0
    for s in socks:
        data = b""
        while b"</stream:features>" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        answered += b"<starttls" in data
    for s in socks:
        s.close()  # dropped: no </stream:stream>
    return answered


def test():
    limits = {"max_preauth_per_ip": 5000, "max_connections": 15000}
    with h.Server(channel_binding=False, limits=limits) as server:
        port = server.ports["c2s"]
        jid = server.adduser("alice", "alice-secret")
        rss = []
        for i in range(WAVES):
            answered = wave(port)
            assert answered == PER_WAVE, "wave %d: %d of %d streams got features" % (i, answered, PER_WAVE)
            assert server.alive(), "the server died in wave %d" % i
            # Once the server has reaped the wave (its CPU stands still): read at once, RSS
            # depended on how many of the 2,000 closes it had handled yet.
            rss.append(rx.settled_rss(server))
        # Memory of dropped connections is reused, not accumulated (1 MiB of slack per wave).
        assert rss[-1] - rss[0] < 1024 * (WAVES - 1), "RSS grew: %s KiB" % rss
        c = Client(jid, "alice-secret")
        run(c.login(port))
        rtt = run(c["xep_0199"].ping(h.DOMAIN, timeout=10))
        assert rtt is not None
        run(c.close())
        print("10,000 connections; RSS per wave (KiB): %s" % rss)


if __name__ == "__main__":
    h.main(test)
