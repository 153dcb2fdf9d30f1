# Queue lengths on /metrics (issue 4 "queue lengths once livechat exists", modules/livechat/
# livechat_metrics.cpp; Prometheus text exposition format 0.0.4): a visitor joins a queue nobody
# is available for and is counted waiting; the consultant comes online (available, an offer
# pending), accepts by joining the room (XEP-0045 §7.2) and the visitor is no longer waiting but
# in an active conversation. /metrics stays closed to addresses not in metrics_from.
# backends: sqlite mariadb
import http.client
import ssl
import time

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

LABELS = '{host="%s",queue="general"}' % lc.CHAT


def scrape(port, tls=True):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the test certificate is self-signed
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def samples(text):
    """name{labels} -> value, every sample line of the exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def wait_for(port, expected, timeout=15):
    """Scrapes until the livechat samples are `expected` (bounded): the service applies an
    accept after the client's join has been answered."""
    deadline = time.time() + timeout
    while True:
        status, text = scrape(port)
        assert status == 200, (status, text)
        got = {k: samples(text).get("xmppd_livechat_%s%s" % (k, LABELS)) for k in expected}
        if got == expected:
            return text
        if time.time() > deadline:
            raise AssertionError("livechat metrics never became %s: %s\n%s" % (expected, got, text))
        time.sleep(0.05)


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"],
                   extra_listeners=[{"type": "http", "tls": "none", "metrics_from": ["192.0.2.1"]}]) as server:
        port = server.ports["http"]
        server.adduser("anna", "anna-Pass-1")
        # Nobody available yet: the queue is there with zeros.
        text = wait_for(port, {"waiting": 0, "offers_pending": 0, "active": 0, "consultants_available": 0,
                               "tickets_open": 0, "callbacks_open": 0})
        # One HELP and TYPE per family (the format groups a family's samples together).
        assert text.count("# TYPE xmppd_livechat_waiting gauge\n") == 1, text
        assert text.count("# HELP xmppd_livechat_waiting ") == 1, text

        v = run(lc.visitor(server))
        joined = run(lc.join(v, "Dotacje dla firm"))
        room = joined["room"]
        text = wait_for(port, {"waiting": 1, "offers_pending": 0, "active": 0, "consultants_available": 0})
        assert ('xmppd_livechat_waiting{host="%s",queue="general"} 1\n' % lc.CHAT) in text, text

        # Anna comes online: available, the conversation offered to her, the visitor still waiting.
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        offered_room, _ = run(lc.offer(anna))
        assert offered_room == room
        wait_for(port, {"waiting": 1, "offers_pending": 1, "active": 0, "consultants_available": 1})

        # Joining accepts: answered, no longer waiting.
        run(m.join(anna, room, "Anna"))
        wait_for(port, {"waiting": 0, "offers_pending": 0, "active": 1, "consultants_available": 1})

        # Still only for the configured addresses.
        assert scrape(server.extra_port(0), tls=False)[0] == 403
        run(anna.close())
        run(v.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
