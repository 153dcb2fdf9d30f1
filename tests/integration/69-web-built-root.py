# The public web root as the build makes it (scripts/build-webroot.sh, webclient/build-webroot.mjs;
# issue 4 "the built files of webclient/"): the demo page, the sample site and the widget's built
# loader and bundle are served; the widget's sources, package files, build script and
# node_modules are not (404). The loader comes as its pre-compressed brotli or gzip variant when
# asked (RFC 9110 §12.5.3 Accept-Encoding, §8.4 Content-Encoding) and decompresses to exactly the
# bytes of the identity response; each variant has its own strong ETag (§8.8.3) and Vary:
# Accept-Encoding (§12.5.5); a hashed bundle is immutable (RFC 8246), HTML carries the strict CSP.
import gzip
import http.client
import os
import subprocess
import tempfile

import xmppd_harness as h
from web_clients import NODE, demo_webroot

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=dict({"Host": "localhost:%d" % port}, **(headers or {})))
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def unbrotli(data):
    """Brotli (RFC 7932) decoded by node's zlib: an implementation other than the one that made it
    would be better, but Debian 12 packages no Python brotli for /usr/bin/python3 here."""
    r = subprocess.run([NODE, "-e", "process.stdout.write(require('zlib').brotliDecompressSync("
                        "require('fs').readFileSync(0)))"], input=data, capture_output=True, timeout=30, check=True)
    return r.stdout


def test():
    root = demo_webroot(os.path.join(tempfile.mkdtemp(prefix="xmppd-built-root-"), "www"))
    # What must stay private exists in the sources the root was built from.
    for private in ["widget/src/loader.js", "widget/package.json", "widget/node_modules/strophe.js/package.json"]:
        assert os.path.exists(os.path.join(ROOT, "webclient", private)), private
    # The bundle's two files: the panel and strophe.js with xmpp.js (evaluated in two tasks).
    bundle = sorted(n for n in os.listdir(os.path.join(root, "widget", "dist")) if n.startswith("bundle-") and n.endswith(".js"))
    assert len(bundle) == 2 and any(n.startswith("bundle-xmpp-") for n in bundle), bundle

    extra = '\n[http]\nwebroot = "%s"\n' % root
    with h.Server(channel_binding=False, extra_config=extra,
                  extra_listeners=[{"type": "http", "tls": "none"}]) as server:
        port = server.extra_port(0)
        for path in ["/widget/src/loader.js", "/widget/src/", "/widget/package.json", "/widget/package-lock.json",
                     "/widget/node_modules/strophe.js/package.json", "/widget/build.mjs", "/widget/README.md",
                     "/widget/dist/sizes.json", "/build-webroot.mjs", "/demo/vendor/../../widget/package.json"]:
            status, _, _ = get(port, path)
            assert status == 404, (path, status)

        for path, kind in [("/demo/", "text/html"), ("/site-demo/", "text/html"), ("/site-demo/informacja.html", "text/html"),
                           ("/demo/vendor/strophe.umd.min.js", "text/javascript"), ("/demo/demo.js", "text/javascript"),
                           ("/site-demo/site.css", "text/css"), ("/widget/dist/" + bundle[0], "text/javascript"),
                           ("/widget/dist/" + bundle[1], "text/javascript")]:
            status, hdrs, _ = get(port, path)
            assert status == 200 and hdrs["content-type"].startswith(kind), (path, status, hdrs)
            if kind == "text/html":
                csp = hdrs["content-security-policy"]
                assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        status, hdrs, _ = get(port, "/widget/dist/" + bundle[0])
        assert hdrs["cache-control"] == "public, max-age=31536000, immutable", hdrs

        # The loader: identity, brotli and gzip, the same bytes after decoding.
        status, plain_hdrs, plain = get(port, "/widget/dist/loader.js", {"Accept-Encoding": "identity"})
        assert status == 200 and "content-encoding" not in plain_hdrs and len(plain) > 1000, (status, plain_hdrs)
        assert plain_hdrs["cache-control"] == "no-cache", plain_hdrs  # a stable name: revalidated
        status, br_hdrs, br = get(port, "/widget/dist/loader.js", {"Accept-Encoding": "gzip, deflate, br"})
        assert status == 200 and br_hdrs["content-encoding"] == "br", br_hdrs
        assert br_hdrs["vary"] == "Accept-Encoding" and br_hdrs["content-type"].startswith("text/javascript"), br_hdrs
        assert len(br) < len(plain) and unbrotli(br) == plain
        status, gz_hdrs, gz = get(port, "/widget/dist/loader.js", {"Accept-Encoding": "gzip"})
        assert status == 200 and gz_hdrs["content-encoding"] == "gzip" and gzip.decompress(gz) == plain, gz_hdrs
        tags = {plain_hdrs["etag"], br_hdrs["etag"], gz_hdrs["etag"]}
        assert len(tags) == 3, tags
        # br refused with q=0: gzip instead (RFC 9110 §12.5.3).
        assert get(port, "/widget/dist/loader.js", {"Accept-Encoding": "br;q=0, gzip"})[1]["content-encoding"] == "gzip"
        # Revalidation per variant (RFC 9110 §13.1.2): 304 with the variant's tag.
        status, hdrs, body = get(port, "/widget/dist/loader.js",
                                 {"Accept-Encoding": "br", "If-None-Match": br_hdrs["etag"]})
        assert status == 304 and body == b"" and hdrs["etag"] == br_hdrs["etag"], (status, hdrs)
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
