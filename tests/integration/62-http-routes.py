# The HTTP(S) listener's own routes: XEP-0156 discovery (host-meta as XRD and JSON, with the
# WebSocket URL for the scheme the listener serves, and CORS for the configured origins only),
# /healthz, and /metrics in the Prometheus text format (sessions by transport, stanzas in/out)
# only for the configured addresses - from a trusted proxy, the address it forwards for
# (RFC 7239 Forwarded, X-Forwarded-For), never a header from anyone else. Plain HTTP on a
# public address without a trusted proxy is refused at start (DESIGN.md: encryption in transit).
import http.client
import json
import os
import ssl
import subprocess
import xml.etree.ElementTree as ET

import xmppd_harness as h
from xmpp_clients import Client, run

ORIGIN = "https://fundusze.example"
XRD = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"


def get(port, path, headers=None, method="GET", tls=False):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the test certificate is self-signed
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("%s not in /metrics:\n%s" % (name, text))


def test():
    listeners = [
        {"type": "http", "tls": "none", "origins": [ORIGIN]},                       # 0: loopback
        {"type": "http", "tls": "none", "metrics_from": ["192.0.2.1"]},              # 1: metrics elsewhere
        {"type": "http", "tls": "none", "trusted_proxies": ["127.0.0.1"],             # 2: behind a proxy
         "metrics_from": ["203.0.113.9"], "public_url": "https://czat.fundusze.example"},
    ]
    with h.Server(channel_binding=False, extra_listeners=listeners) as server:
        plain, other, proxied = (server.extra_port(i) for i in range(3))

        status, _, body = get(plain, "/healthz")
        assert (status, body) == (200, "ok\n"), (status, body)

        status, hdrs, body = get(plain, "/.well-known/host-meta", {"Host": "localhost:%d" % plain})
        assert status == 200 and hdrs["content-type"].startswith("application/xrd+xml"), (status, hdrs)
        links = {l.get("rel"): l.get("href") for l in ET.fromstring(body).findall(XRD + "Link")}
        assert links == {"urn:xmpp:alt-connections:websocket": "ws://localhost:%d/xmpp-websocket" % plain,
                         "urn:xmpp:alt-connections:xbosh": "http://localhost:%d/http-bind" % plain}, links
        assert "access-control-allow-origin" not in hdrs, hdrs

        status, hdrs, body = get(plain, "/.well-known/host-meta.json", {"Host": "localhost", "Origin": ORIGIN})
        assert status == 200 and hdrs["content-type"] == "application/json", (status, hdrs)
        assert json.loads(body) == {"links": [{"rel": "urn:xmpp:alt-connections:websocket",
                                               "href": "ws://localhost/xmpp-websocket"},
                                              {"rel": "urn:xmpp:alt-connections:xbosh",
                                               "href": "http://localhost/http-bind"}]}, body
        assert hdrs.get("access-control-allow-origin") == ORIGIN, hdrs
        status, hdrs, _ = get(plain, "/.well-known/host-meta.json", {"Host": "localhost", "Origin": "https://evil.example"})
        assert status == 200 and "access-control-allow-origin" not in hdrs, hdrs
        status, hdrs, _ = get(plain, "/.well-known/host-meta", {"Origin": ORIGIN, "Host": "localhost",
                                                                "Access-Control-Request-Method": "GET"}, method="OPTIONS")
        assert status == 204 and hdrs.get("access-control-allow-origin") == ORIGIN, (status, hdrs)

        # HTTPS: wss:// in host-meta; the public URL when one is configured.
        status, _, body = get(server.ports["http"], "/.well-known/host-meta.json", {"Host": "localhost:5443"}, tls=True)
        assert json.loads(body)["links"][0]["href"] == "wss://localhost:5443/xmpp-websocket", body
        assert json.loads(body)["links"][1]["href"] == "https://localhost:5443/http-bind", body
        status, _, body = get(proxied, "/.well-known/host-meta.json", {"Host": "internal:80"})
        assert json.loads(body)["links"][0]["href"] == "wss://czat.fundusze.example/xmpp-websocket", body
        assert json.loads(body)["links"][1]["href"] == "https://czat.fundusze.example/http-bind", body

        # /metrics: loopback is allowed by default; a TCP session and its stanzas are counted.
        b = server.adduser("bob", "bob-Pass-2")
        bob = run(Client(b + "/desk", "bob-Pass-2").login(server.ports["c2s"]))
        bob.send_message(mto=b + "/desk", mbody="do siebie", mtype="chat")
        assert run(bob.next_message())["body"] == "do siebie"
        status, hdrs, text = get(plain, "/metrics")
        assert status == 200 and hdrs["content-type"].startswith("text/plain; version=0.0.4"), (status, hdrs)
        assert metric(text, 'xmppd_sessions{transport="tcp"}') == 1, text
        assert metric(text, 'xmppd_sessions{transport="websocket"}') == 0, text
        assert metric(text, "xmppd_stanzas_in_total") >= 2 and metric(text, "xmppd_stanzas_out_total") >= 1, text
        assert "# TYPE xmppd_stanzas_in_total counter" in text, text
        run(bob.close())

        assert get(other, "/metrics")[0] == 403, "metrics_from does not include loopback here"
        # Behind the trusted proxy: the forwarded address decides; a client cannot pick its own
        # address on a listener whose peer is not a trusted proxy.
        assert get(proxied, "/metrics")[0] == 403
        assert get(proxied, "/metrics", {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})[0] == 200
        assert get(proxied, "/metrics", {"Forwarded": "for=198.51.100.7, for=203.0.113.9;proto=https"})[0] == 200
        assert get(proxied, "/metrics", {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"})[0] == 403
        assert get(other, "/metrics", {"X-Forwarded-For": "192.0.2.1"})[0] == 403, "not a trusted proxy"

        assert get(plain, "/nic-tu-nie-ma")[0] == 404
        assert get(plain, "/xmpp-websocket")[0] == 426
        assert get(plain, "/healthz", method="DELETE")[0] == 405
        log = server.log_text()
        assert "203.0.113.9" not in log and "198.51.100.7" not in log, "client addresses in the log"

        # Plain HTTP on a public address without a trusted proxy: refused at start, saying where.
        bad = os.path.join(server.dir, "bad.toml")
        text = open(server.config).read() + '\n[[listeners]]\ntype = "http"\naddress = "0.0.0.0"\nport = 0\ntls = "none"\n'
        open(bad, "w").write(text)
        r = subprocess.run([h.XMPPD, "--config", bad], capture_output=True, text=True, timeout=20)
        assert r.returncode != 0 and "plain HTTP needs a loopback address or trusted_proxies" in r.stderr + r.stdout, r
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
