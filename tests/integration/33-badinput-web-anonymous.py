# bad-input.md row 14 on the web transports, and issue 4's rules for client addresses and
# stream management there:
# - anonymous logins (XEP-0175) over WebSocket (RFC 7395) and BOSH (XEP-0206) count against the
#   same per-address rate as on TCP; behind a configured trusted proxy the address is the one it
#   forwards (X-Forwarded-For), so one visitor behind the proxy cannot use up everyone's logins;
#   on a listener whose peer is not a trusted proxy the header is ignored, so rotating it does
#   not escape the limit. The refusal is <policy-violation/> (RFC 6120 §4.9.3.18); no address
#   reaches the log.
# - XEP-0198 is offered on WebSocket, not on BOSH (its rids already acknowledge, XEP-0124 §9);
#   an <enable/> over BOSH anyway gets <failed/> with <feature-not-implemented/> (XEP-0198 §3).
# - permessage-deflate (RFC 7692) is never negotiated, whatever the client offers (memory per
#   connection, and a compression oracle).
# - guest.D keeps no roster: a visitor's roster get is service-unavailable (RFC 6120 §8.3.3.19).
import asyncio
import socket
import xml.etree.ElementTree as ET

import websockets

import bosh_probe as bp
import xmppd_harness as h
from xmpp_clients import Client, run

FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
SM = "urn:xmpp:sm:3"
PER_IP = 3


def tag(e):
    return e.tag.split("}")[1]


async def ws_anonymous(port, forwarded=None, bind=False):
    """SASL ANONYMOUS over a raw WebSocket: 'success' (then the features after the restart when
    `bind`), or the stream error condition."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    async with websockets.connect("ws://127.0.0.1:%d/xmpp-websocket" % port, subprotocols=["xmpp"],
                                  extra_headers=headers, open_timeout=10) as ws:
        async def next_element():
            return ET.fromstring(await asyncio.wait_for(ws.recv(), 10))

        await ws.send("<open xmlns='%s' to='%s' version='1.0'/>" % (FRAMING, h.GUEST))
        assert tag(await next_element()) == "open"
        assert tag(await next_element()) == "features"
        await ws.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % SASL)
        reply = await next_element()
        if tag(reply) == "error":
            return [tag(c) for c in reply if c.tag.startswith("{%s}" % STREAMS) and tag(c) != "text"][0]
        assert tag(reply) == "success", ET.tostring(reply)
        if not bind:
            return "success"
        await ws.send("<open xmlns='%s' to='%s' version='1.0'/>" % (FRAMING, h.GUEST))
        assert tag(await next_element()) == "open"
        return await next_element()


class ForwardedBosh(bp.Bosh):
    """A BOSH session whose requests come through a proxy naming the client `forwarded`."""

    def __init__(self, port, forwarded):
        super().__init__(port)
        self.forwarded = forwarded

    def raw(self, text, timeout=None):
        return bp.post(self.port, text, timeout=timeout or self.timeout,
                       headers={"X-Forwarded-For": self.forwarded})


def bosh_anonymous(port, forwarded):
    b = ForwardedBosh(port, forwarded)
    b.create(to=h.GUEST)
    body = b.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % SASL)
    if not bp.payloads(body) and bp.terminal(body) is None:
        body = b.send()
    if bp.terminal(body) is not None:
        return bp.stream_error(body)
    assert bp.payloads(body)[0].tag == bp.q(SASL, "success"), ET.tostring(body)
    return "success"


def upgrade_reply(port, extensions):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET /xmpp-websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: xmpp\r\nSec-WebSocket-Extensions: %s\r\n\r\n" % extensions).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode(errors="replace")


def test():
    limits = {"anonymous_logins_per_ip_per_minute": PER_IP}
    listeners = [{"type": "http", "tls": "none", "trusted_proxies": ["127.0.0.1"]},  # 0: behind a proxy
                 {"type": "http", "tls": "none"}]                                    # 1: no proxy
    with h.Server(channel_binding=False, limits=limits, extra_listeners=listeners) as server:
        proxied, direct = server.extra_port(0), server.extra_port(1)
        a, b = server.adduser("alice", "alice-Pass-1"), server.adduser("bob", "bob-Pass-2")
        alice = run(Client(a + "/desk", "alice-Pass-1").login(server.ports["c2s"]))
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))

        # Behind the proxy: the forwarded address is counted, over WebSocket and BOSH alike.
        got = [run(ws_anonymous(proxied, "198.51.100.7")) for _ in range(PER_IP)]
        assert got == ["success"] * PER_IP, got
        assert run(ws_anonymous(proxied, "198.51.100.7")) == "policy-violation"
        assert bosh_anonymous(proxied, "198.51.100.7") == "policy-violation"
        # Another visitor behind the same proxy is not held back by the first.
        assert run(ws_anonymous(proxied, "198.51.100.8")) == "success"
        assert bosh_anonymous(proxied, "198.51.100.8") == "success"
        # The peer is forwarded for nobody (no header): counted as itself, still under the limit.
        assert run(ws_anonymous(proxied)) == "success"

        # Without a trusted proxy the header is the client's own word: ignored, the peer counts.
        got = [run(ws_anonymous(direct, "203.0.113.%d" % i)) for i in range(1, PER_IP + 3)]
        assert got.count("success") == PER_IP - 1 and got[-1] == "policy-violation", got  # one used above

        # The chat beside it noticed nothing.
        alice.send_message(mto=b, mbody="nadal działa", mtype="chat")
        assert run(bob.next_message())["body"] == "nadal działa"

        # XEP-0198 on WebSocket (after the restart, offered), not on BOSH.
        features = run(ws_anonymous(proxied, "198.51.100.20", bind=True))
        assert features.find("{%s}sm" % SM) is not None, ET.tostring(features)
        s = ForwardedBosh(proxied, "198.51.100.21")
        s.create(to=h.GUEST)
        s.login_anonymous()
        body = s.send("<enable xmlns='%s' resume='true'/>" % SM)
        if not bp.payloads(body):
            body = s.send()
        failed = bp.payloads(body)[0]
        assert failed.tag == "{%s}failed" % SM, ET.tostring(body)
        assert failed.find("{urn:ietf:params:xml:ns:xmpp-stanzas}feature-not-implemented") is not None, ET.tostring(body)
        assert s.ping(to=h.GUEST) == "result", "the BOSH session goes on"
        # guest.D keeps no roster (DESIGN.md "Hosts"): the visitor's roster get is refused.
        body = s.send("<iq xmlns='jabber:client' type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
        if not bp.payloads(body):
            body = s.send()
        iq = body.find("{jabber:client}iq")
        assert iq is not None and iq.get("type") == "error", ET.tostring(body)
        assert iq.find("{jabber:client}error/{urn:ietf:params:xml:ns:xmpp-stanzas}service-unavailable") is not None

        # permessage-deflate offered by the client: the 101 accepts no extension.
        reply = upgrade_reply(direct, "permessage-deflate; client_max_window_bits")
        assert reply.startswith("HTTP/1.1 101") and "sec-websocket-extensions" not in reply.lower(), reply

        log = server.log_text()
        for address in ("198.51.100.", "203.0.113."):
            assert address not in log, "a client address in the log"
        assert server.alive()
        run(alice.close())
        run(bob.close())


if __name__ == "__main__":
    h.main(test)
