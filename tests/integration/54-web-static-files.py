# The static files of webclient/ on the HTTP listener ([http] webroot): content types by
# extension, strong ETags with If-None-Match -> 304 (RFC 9110 §8.8.3, §13.1.2, §15.4.5),
# Cache-Control (no-cache for HTML and unhashed names, immutable for content-hashed names,
# RFC 8246), pre-compressed .br/.gz variants chosen by Accept-Encoding with Vary
# (RFC 9110 §12.5.3), a strict Content-Security-Policy on HTML, HEAD (§9.3.2), 405 for other
# methods, 301 for a directory without its slash, and traversal probes that never leave the web
# root (404), including a symlink out of it.
import gzip
import http.client
import os
import socket
import tempfile

import xmppd_harness as h


def get(port, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=dict({"Host": "localhost:%d" % port}, **(headers or {})))
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def raw_get(port, target):
    """A request line sent as is (http.client would normalise some targets)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % target).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]), data


def test():
    root = tempfile.mkdtemp(prefix="xmppd-webroot-")
    outside = tempfile.mkdtemp(prefix="xmppd-outside-")
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write("not for the web\n")
    os.makedirs(os.path.join(root, "app", "assets"))
    page = "<!doctype html><title>t</title><script src='app.js'></script>\n"
    script = "console.log('hello');\n" * 50
    with open(os.path.join(root, "app", "index.html"), "w") as f:
        f.write(page)
    with open(os.path.join(root, "app", "app.js"), "w") as f:
        f.write(script)
    with open(os.path.join(root, "app", "app.js.gz"), "wb") as f:
        f.write(gzip.compress(script.encode()))
    with open(os.path.join(root, "app", "app.js.br"), "wb") as f:
        f.write(b"not really brotli, but the server only picks the file")
    with open(os.path.join(root, "app", "assets", "loader.3f2a9c1d.js"), "w") as f:
        f.write("/* hashed */\n")
    with open(os.path.join(root, "app", "assets", "style.css"), "w") as f:
        f.write("body{}\n")
    with open(os.path.join(root, "app", "assets", "logo.svg"), "w") as f:
        f.write("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    with open(os.path.join(root, ".env"), "w") as f:
        f.write("SECRET=1\n")
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "app", "link.txt"))

    extra = '\n[http]\nwebroot = "%s"\n' % root
    with h.Server(channel_binding=False, extra_config=extra,
                  extra_listeners=[{"type": "http", "tls": "none"}]) as server:
        port = server.extra_port(0)

        status, hdrs, body = get(port, "/app/")
        assert status == 200 and body.decode() == page, (status, body)
        assert hdrs["content-type"] == "text/html; charset=utf-8", hdrs
        assert hdrs["cache-control"] == "no-cache", hdrs
        csp = hdrs["content-security-policy"]
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]:
            assert directive in csp, csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
        assert hdrs["x-content-type-options"] == "nosniff", hdrs
        etag = hdrs["etag"]
        assert etag.startswith('"') and not etag.startswith("W/"), etag  # strong
        status, hdrs, body = get(port, "/app/index.html", {"If-None-Match": etag})
        assert status == 304 and body == b"" and hdrs["etag"] == etag, (status, hdrs)
        status, _, _ = get(port, "/app/index.html", {"If-None-Match": '"other", ' + etag})
        assert status == 304, status
        status, _, body = get(port, "/app/index.html", {"If-None-Match": '"other"'})
        assert status == 200 and body.decode() == page, status
        # A directory without its slash is redirected to it.
        status, hdrs, _ = get(port, "/app")
        assert status == 301 and hdrs["location"] == "/app/", (status, hdrs)

        # Content types, caching, compressed variants.
        status, hdrs, body = get(port, "/app/app.js")
        assert status == 200 and body.decode() == script, status
        assert hdrs["content-type"] == "text/javascript; charset=utf-8", hdrs
        assert hdrs["vary"] == "Accept-Encoding" and "content-encoding" not in hdrs, hdrs
        plain_etag = hdrs["etag"]
        status, hdrs, body = get(port, "/app/app.js", {"Accept-Encoding": "gzip, deflate"})
        assert status == 200 and hdrs["content-encoding"] == "gzip" and gzip.decompress(body).decode() == script, hdrs
        assert hdrs["etag"] != plain_etag and hdrs["vary"] == "Accept-Encoding", hdrs
        status, hdrs, body = get(port, "/app/app.js", {"Accept-Encoding": "gzip, br"})
        assert hdrs["content-encoding"] == "br" and body.startswith(b"not really brotli"), hdrs
        status, hdrs, body = get(port, "/app/app.js", {"Accept-Encoding": "br;q=0, gzip;q=0.5"})
        assert hdrs["content-encoding"] == "gzip", hdrs
        status, hdrs, body = get(port, "/app/app.js", {"Accept-Encoding": "identity"})
        assert "content-encoding" not in hdrs and body.decode() == script, hdrs
        status, hdrs, _ = get(port, "/app/assets/loader.3f2a9c1d.js")
        assert status == 200 and hdrs["cache-control"] == "public, max-age=31536000, immutable", hdrs
        status, hdrs, _ = get(port, "/app/assets/style.css")
        assert hdrs["content-type"] == "text/css; charset=utf-8" and hdrs["cache-control"] == "no-cache", hdrs
        assert "content-security-policy" not in hdrs, hdrs
        status, hdrs, _ = get(port, "/app/assets/logo.svg")
        assert hdrs["content-type"] == "image/svg+xml", hdrs

        # HEAD: the headers of GET, no body. Other methods: 405 with Allow.
        status, hdrs, body = get(port, "/app/app.js", method="HEAD")
        assert status == 200 and body == b"" and hdrs["content-length"] == str(len(script)), (status, hdrs)
        for method in ["POST", "PUT", "DELETE"]:
            status, hdrs, _ = get(port, "/app/app.js", method=method)
            assert status in (405, 413) and (status == 413 or hdrs["allow"] == "GET, HEAD"), (method, status, hdrs)
        status, hdrs, _ = get(port, "/app/app.js", method="DELETE")
        assert status == 405 and hdrs["allow"] == "GET, HEAD", (status, hdrs)

        # Traversal and hidden files: never out of the web root, nothing about the file system.
        probes = ["/../" + os.path.basename(outside) + "/secret.txt", "/app/../../etc/passwd",
                  "/app/%2e%2e/%2e%2e/etc/passwd", "/app/..%2f..%2fetc%2fpasswd", "/%2e%2e%2f%2e%2e%2fetc/passwd",
                  "/app/link.txt", "/.env", "/app/.%2e/.env", "/app//app.js", "/app/app.js%00.html",
                  "/app\\..\\..\\etc\\passwd", "/app/%5c..%5c..%5cetc%5cpasswd", "/etc/passwd", "/app/app.js/",
                  "/app/%zz"]
        for probe in probes:
            status, data = raw_get(port, probe)
            assert status in (400, 404), (probe, status, data[:200])
            assert b"not for the web" not in data and b"root:" not in data and b"SECRET" not in data, probe
        status, _, _ = get(port, "/nothing-here.js")
        assert status == 404, status

        # Still serving, nothing crashed.
        status, _, body = get(port, "/healthz")
        assert status == 200, status
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
