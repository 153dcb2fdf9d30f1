# The demo page in headless Chromium with WebSocket blocked (playwright-core closes every
# WebSocket the page opens, as a proxy refusing the Upgrade would): the page finds both methods by
# XEP-0156 discovery, its WebSocket fails, and it logs in over BOSH (XEP-0124, XEP-0206) instead,
# then exchanges messages with a slixmpp client on TCP. Then the page is loaded again: the BOSH
# session carries on (issue 4: "BOSH session survives … a restart of the browser page within the
# inactivity window").
import tempfile

import xmppd_harness as h
from web_clients import BrowserPage, demo_webroot
from xmpp_clients import Client, run


def test():
    port = h.free_port()
    origin = "http://localhost:%d" % port
    webroot = demo_webroot(tempfile.mkdtemp(prefix="xmppd-webroot-"))
    with h.Server(channel_binding=False, extra_config='\n[http]\nwebroot = "%s"\n' % webroot,
                  extra_listeners=[{"type": "http", "tls": "none", "port": port, "origins": [origin]}]) as server:
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")
        bob = run(Client("bob@" + h.DOMAIN, "bob-Pass-2").login(server.ports["c2s"]))
        page = BrowserPage(block_websocket=True)
        try:
            page.do(goto=origin + "/demo/")
            page.do(fill=["#jid", "alice@" + h.DOMAIN])
            page.do(fill=["#password", "alice-Pass-1"])
            page.do(click="#connect")
            status = page.wait_text("#status", "connected as", timeout=40)
            assert status.endswith("over bosh"), status
            page.do(fill=["#to", "bob@" + h.DOMAIN])
            page.do(fill=["#body", "przez BOSH"])
            page.do(click="#send-button")
            run(bob.next_message(pred=lambda m: m["body"] == "przez BOSH"))
            bob.send_message(mto="alice@" + h.DOMAIN, mbody="odpowiedź", mtype="chat")
            run(bob.sync())  # slixmpp writes only while its loop runs
            page.wait_text("#messages", "bob@%s: odpowiedź" % h.DOMAIN)

            # Issue 4: the BOSH session survives a restart of the page within the inactivity
            # window (XEP-0124 §9, strophe.js keepalive): the new page carries on with the same
            # session, same full JID, and messages flow both ways again.
            jid = status.split("connected as ", 1)[1].split(" over ", 1)[0]
            page.do(goto=origin + "/demo/")
            restored = page.wait_text("#status", "restored as", timeout=40)
            assert restored == "restored as %s over bosh" % jid, (restored, jid)
            bob.send_message(mto=jid, mbody="po przeładowaniu", mtype="chat")
            run(bob.sync())
            page.wait_text("#messages", "bob@%s: po przeładowaniu" % h.DOMAIN)
            page.do(fill=["#to", "bob@" + h.DOMAIN])
            page.do(fill=["#body", "nadal tu jestem"])
            page.do(click="#send-button")
            run(bob.next_message(pred=lambda m: m["body"] == "nadal tu jestem" and str(m["from"]) == jid))
        finally:
            page.close()
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
