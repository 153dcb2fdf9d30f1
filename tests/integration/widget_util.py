"""Helpers for the visitor widget scenarios (56-59, webclient/widget, issue 7): the widget built
from its lockfile (scripts/build-widget.sh), an xmppd serving it with a livechat site
(`widget_*` options, docs/configuration.md), and a page of the customer's website on another
origin with a strict Content-Security-Policy that embeds the one-line snippet — the way the
funds website will. Consultants are plain slixmpp clients (livechat_util)."""
import contextlib
import http.server
import os
import subprocess
import tempfile
import threading

import livechat_util as lc
import xmppd_harness as h

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WIDGET = os.path.join(ROOT, "webclient", "widget")
DIST = os.path.join(WIDGET, "dist")
UPLOAD = "upload." + h.DOMAIN
SITE_KEY = "fundusze"
NOTICE_VERSION = "2026-01"
AXE = os.path.join(ROOT, "tests", "web", "node_modules", "axe-core", "axe.min.js")
# Screenshots are test artefacts under the build folder, never committed.
SHOTS = os.path.join(os.environ.get("XMPPD_BUILD_DIR", os.path.join(ROOT, "build")), "widget-screenshots")


def ensure_built():
    """The widget's dist/ (the README's build makes it); built here when missing (bounded)."""
    if not os.path.exists(os.path.join(DIST, "loader.js")):
        subprocess.run([os.path.join(ROOT, "scripts", "build-widget.sh")], check=True, timeout=600)
    return DIST


def webroot():
    """The public web root (web_clients.demo_webroot), with the widget under /widget/dist/."""
    from web_clients import demo_webroot
    return demo_webroot(os.path.join(tempfile.mkdtemp(prefix="xmppd-widget-webroot-"), "www"))


class HostSite:
    """The customer's website: another origin (127.0.0.1 vs localhost) whose pages allow
    scripts and connections only from the installation (no 'unsafe-inline', no styles at all):
    the widget must work inside that policy. Every path serves the same page."""

    def __init__(self, widget_origin, upload_origin, lang="pl"):
        self.port = h.free_port()
        self.origin = "http://127.0.0.1:%d" % self.port
        ws = widget_origin.replace("http://", "ws://")
        csp = ("default-src 'none'; script-src %s; connect-src %s %s %s; img-src 'none'; style-src 'none'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'" % (widget_origin, widget_origin, ws,
                                                                                 upload_origin))
        page = ("<!doctype html><html lang='%s'><head><meta charset='utf-8'><title>Fundusze Europejskie</title>"
                "<script src='%s/widget/dist/loader.js' data-site='%s' async></script></head>"
                "<body><h1>Punkt Informacyjny Funduszy Europejskich</h1><main><p>Strona serwisu.</p>"
                "<a href='#top' id='page-link'>Link na stronie</a></main></body></html>"
                % (lang, widget_origin, SITE_KEY)).encode()
        snippet = ("<script src='%s/widget/dist/loader.js' data-site='%s' async></script>" % (widget_origin, SITE_KEY)).encode()
        plain = page.replace(snippet, b"")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/favicon.ico":
                    self.send_response(404)
                    self.end_headers()
                    return
                # /plain: the same page without the snippet, to compare what the widget adds.
                body = plain if self.path.startswith("/plain") else page
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", csp)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path="/"):
        return self.origin + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# A queue that takes offline tickets and callbacks (bob receives them) and is open around the
# clock every day (docs/configuration.md `hours`), so slots exist whenever the test runs; with
# alice away it is in offline mode (docs/protocol.md "Offline mode").
OFFLINE_QUEUE = "general | Pytania ogólne | alice | 30s | least_busy | bob"
ALWAYS_OPEN = 'hours = ["general | daily 00:00-24:00 | holidays open"]\n'


def server(queues=("general | Pytania ogólne | alice | 30s",), invite_after="1500ms", rules=(), extra="", limits=None):
    """An xmppd with the widget's site `fundusze`; returns (Server, widget_origin, HostSite)."""
    port = h.free_port()
    widget_origin = "http://localhost:%d" % port
    upload_origin = "http://%s:%d" % (UPLOAD, port)
    site = HostSite(widget_origin, upload_origin)
    config = ('\n[http]\nwebroot = "%s"\n\n[hosts."%s".module.upload]\npublic_url = "%s"\n'
              '\n[hosts."%s".module.livechat]\nqueues = [%s]\nnotice_version = "%s"\n'
              'widget_site_key = "%s"\nwidget_origins = ["%s"]\nwidget_invite_after = "%s"\n'
              'widget_url_rules = [%s]\nwidget_notice_url = "%s/informacja.html"\n%s'
              % (webroot(), UPLOAD, upload_origin, lc.CHAT, ", ".join('"%s"' % q for q in queues), NOTICE_VERSION,
                 SITE_KEY, site.origin, invite_after, ", ".join('"%s"' % r for r in rules), site.origin, extra))
    srv = h.Server(channel_binding=False, extra_config=config, limits=limits,
                   extra_listeners=[{"type": "http", "tls": "none", "port": port,
                                     "origins": [site.origin, widget_origin]}])
    return srv, widget_origin, site


@contextlib.contextmanager
def running(**server_kw):
    """server(**server_kw) started: yields (Server, widget_origin, HostSite, open_page), where
    open_page(**opts) opens a headless Chromium page (web_clients.BrowserPage). The pages and the
    site are closed at the end, after the server, whatever happened."""
    from web_clients import BrowserPage
    srv, widget_origin, site = server(**server_kw)
    pages = []

    def open_page(**opts):
        pages.append(BrowserPage(**opts))
        return pages[-1]

    try:
        with srv as s:
            yield s, widget_origin, site, open_page
    finally:
        for page in pages:
            page.close()
        site.close()


def shot(page, name, **kw):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name + ".png")
    page.do(screenshot=path, **kw)
    return path
