# The demo page (webclient/demo/) in headless Chromium (Debian's chromium, driven by playwright-core
# from npm) against a running xmppd: the page is served by the HTTP listener's static files, finds
# the WebSocket by XEP-0156 discovery (host-meta.json), logs in with SCRAM (strophe.js from npm)
# over RFC 7395 WebSocket, and exchanges messages with a slixmpp client on TCP (RFC 6121 §5);
# then it sends a file through XEP-0363 from the page (slot by IQ, cross-origin PUT with CORS to
# the upload host's own name) and the TCP client downloads it from the URL it got, with the
# headers that keep it from running in anyone's page (attachment, nosniff, CSP sandbox). An
# anonymous visitor (SASL ANONYMOUS on guest.D) logs in from the same page.
import http.client
import os
import tempfile

import xmppd_harness as h
from web_clients import BrowserPage, demo_webroot
from xmpp_clients import Client, run

UPLOAD = "upload." + h.DOMAIN


def test():
    port = h.free_port()
    origin = "http://localhost:%d" % port
    webroot = demo_webroot(tempfile.mkdtemp(prefix="xmppd-webroot-"))
    extra = ('\n[http]\nwebroot = "%s"\n\n[hosts."%s".module.upload]\npublic_url = "http://%s:%d"\n'
             % (webroot, UPLOAD, UPLOAD, port))
    with h.Server(channel_binding=False, extra_config=extra,
                  extra_listeners=[{"type": "http", "tls": "none", "port": port, "origins": [origin]}]) as server:
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")
        bob = run(Client("bob@" + h.DOMAIN, "bob-Pass-2").login(server.ports["c2s"]))
        page = BrowserPage()
        try:
            # Served by the HTTP listener; logs in over WebSocket with SCRAM.
            assert page.do(goto=origin + "/demo/")["status"] == 200
            page.do(fill=["#jid", "alice@" + h.DOMAIN])
            page.do(fill=["#password", "alice-Pass-1"])
            page.do(click="#connect")
            status = page.wait_text("#status", "connected as")
            assert "alice@%s/" % h.DOMAIN in status and status.endswith("over websocket"), status

            # Page -> TCP client.
            page.do(fill=["#to", "bob@" + h.DOMAIN])
            page.do(fill=["#body", "Dzień dobry z przeglądarki"])
            page.do(click="#send-button")
            m = run(bob.next_message(pred=lambda m: m["body"] == "Dzień dobry z przeglądarki"))
            assert m["from"].bare == "alice@" + h.DOMAIN, m
            # TCP client -> page.
            bob.send_message(mto="alice@" + h.DOMAIN, mbody="Witaj, Alice", mtype="chat")
            run(bob.sync())  # slixmpp writes only while its loop runs
            page.wait_text("#messages", "bob@%s: Witaj, Alice" % h.DOMAIN)

            # XEP-0363 from the page: the file goes to the upload host (CORS for the page's
            # origin), bob gets the URL and downloads exactly what was sent.
            content = b"Wniosek o dofinansowanie\n" + os.urandom(3000)
            path = os.path.join(tempfile.mkdtemp(prefix="xmppd-upload-"), "wniosek.pdf")
            with open(path, "wb") as f:
                f.write(content)
            page.do(files=["#file", path])
            page.do(click="#upload-button")
            page.wait_text("#status", "uploaded wniosek.pdf")
            m = run(bob.next_message(pred=lambda m: m["body"].startswith("http://" + UPLOAD)))
            url = m["body"]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", url[len("http://%s:%d" % (UPLOAD, port)):], headers={"Host": "%s:%d" % (UPLOAD, port)})
            r = conn.getresponse()
            body = r.read()
            conn.close()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            assert r.status == 200 and body == content, (r.status, len(body))
            assert hdrs["content-type"] == "application/pdf", hdrs
            assert hdrs["content-disposition"].startswith("attachment;"), hdrs
            assert hdrs["x-content-type-options"] == "nosniff", hdrs
            assert hdrs["content-security-policy"] == "sandbox; default-src 'none'", hdrs
        finally:
            page.close()

        # A visitor: anonymous login on guest.D from the same page.
        page = BrowserPage()
        try:
            page.do(goto=origin + "/demo/")
            page.do(fill=["#guest", h.GUEST])
            page.do(click="#connect")
            status = page.wait_text("#status", "connected as")
            assert ("@%s/" % h.GUEST) in status and status.endswith("over websocket"), status
        finally:
            page.close()
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("upload",))
