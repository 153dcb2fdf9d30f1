# Issue 4's "Done when": the demo page (webclient/demo/, served by xmppd's HTTP listener) in
# headless Chromium (Debian's chromium, playwright-core) exchanges messages with a desktop client
# logged in over TCP: Profanity (Debian's, unmodified, driven in tmux by desktop_client.py) on
# the c2s listener with STARTTLS (RFC 6120 §5) and SCRAM. First the page logs in over RFC 7395
# WebSocket (found by XEP-0156 discovery); then, in a second page with WebSocket blocked (a proxy
# refusing the Upgrade), it falls back to BOSH (XEP-0124, XEP-0206). Each time messages go both
# ways (RFC 6121 §5.2.2), and Profanity answers the full JID it got the message from (§5.1).
# The BOSH session surviving a page reload within the inactivity window is 66's strophe.js
# scenario; the demo page keeps no session across a reload, so it is not repeated here.
import re
import tempfile

import xmppd_harness as h
from desktop_client import Profanity
from web_clients import BrowserPage, demo_webroot

ALICE = "alice@" + h.DOMAIN
BOB = "bob@" + h.DOMAIN


def said_by(contact, text):
    """A line of Profanity's chat window: the sender (bare or full JID), a colon, the text."""
    return r"%s(/\S+)?: %s" % (re.escape(contact), re.escape(text))


def chat(prof, page, transport, to_desktop, to_browser):
    """bob in the page and alice in Profanity write to each other; both see the other's line."""
    page.do(goto=page.origin + "/demo/")
    page.do(fill=["#jid", BOB])
    page.do(fill=["#password", "bob-Pass-2"])
    page.do(click="#connect")
    status = page.wait_text("#status", "connected as", timeout=40)
    assert status.startswith("connected as %s/" % BOB) and status.endswith("over " + transport), status

    # Browser -> Profanity: shown in the chat window a user opens with /msg, and in its log.
    page.do(fill=["#to", ALICE])
    page.do(fill=["#body", to_desktop])
    page.do(click="#send-button")
    prof.wait_chatlog(ALICE, BOB, r"%s: %s$" % (re.escape(BOB), re.escape(to_desktop)),
                      describe="the page's message (%s)" % transport)
    prof.type("/msg " + BOB)
    prof.wait_screen(said_by(BOB, to_desktop), describe="the page's message in Profanity (%s)" % transport)

    # Profanity -> browser: typed into the chat window, as a person answers.
    prof.type(to_browser)
    page.wait_text("#messages", "%s: %s" % (ALICE, to_browser))
    prof.wait_chatlog(ALICE, BOB, r"me: %s$" % re.escape(to_browser))


def test():
    port = h.free_port()
    origin = "http://localhost:%d" % port
    webroot = demo_webroot(tempfile.mkdtemp(prefix="xmppd-webroot-"))
    with h.Server(extra_config='\n[http]\nwebroot = "%s"\n' % webroot,
                  extra_listeners=[{"type": "http", "tls": "none", "port": port, "origins": [origin]}]) as server, \
            Profanity() as prof:
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")
        # Profanity over TCP with STARTTLS on the default c2s listener.
        prof.connect(ALICE, "alice-Pass-1", server.ports["c2s"], tls="force")

        page = BrowserPage()
        page.origin = origin
        try:
            chat(prof, page, "websocket", "Dzień dobry z przeglądarki (WebSocket)", "Odpowiedź z Profanity: ok")
        finally:
            page.close()
        prof.console()

        page = BrowserPage(block_websocket=True)
        page.origin = origin
        try:
            chat(prof, page, "bosh", "Tym razem przez BOSH — zażółć", "Profanity odpowiada przez TCP")
        finally:
            page.close()
        online = server.xmppctl("online").stdout
        assert re.search(r"^%s/\S+ tcp$" % re.escape(ALICE), online, re.M), online
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
