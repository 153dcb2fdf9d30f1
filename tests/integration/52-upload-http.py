# backends: sqlite mariadb
# XEP-0363 HTTP File Upload (modules/upload) with slixmpp's XEP-0030/XEP-0363 plugins and
# Python's http.client: discovery (§3: store/file identity, feature, XEP-0128 max-file-size),
# slots (§4) for an account and for an anonymous visitor (guest.D -> upload.D, visitor_policy),
# the PUT (§6, 201) and the GET of the file from the upload host's own name with
# Content-Disposition: attachment, nosniff and a CSP sandbox (issue 4); the errors of §5
# (file-too-large with max-file-size, a content type not allowed, quota reached), and bad input on
# HTTP: oversized PUT (413), a slot used twice (409), another account's token (403), an unknown
# slot (404), a Content-Length that is not the slot's (400), a content type that is not the
# slot's (415), traversal paths (404), wrong methods (405): exact status codes, server alive.
# A deleted account's files are erased (GDPR Art. 17).
import hashlib
import os
import socket
import time

import xmppd_harness as h
from slixmpp.exceptions import IqError
from upload_util import MAX, UPLOAD, Http, path_of, request_slot, slot_error
from xmpp_clients import Client, run

def raw_put_header_only(port, path, length, token):
    """A PUT that announces a body and sends none: the answer must come from the header alone."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("PUT %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n"
               "Expect: 100-continue\r\n\r\n" % (path, UPLOAD, port, token, length)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1])


def test():
    port = h.free_port()
    extra = ('\n[hosts."%s".module.upload]\npublic_url = "http://%s:%d"\nmax_file_size = "64KiB"\n'
             'quota = "200KiB"\nvisitor_quota = "80KiB"\nconversations_host = ""\ncontent_types = ["image/*", "application/pdf", "text/plain"]\n'
             % (UPLOAD, UPLOAD, port))
    with h.Server(channel_binding=False, extra_config=extra,
                  extra_listeners=[{"type": "http", "tls": "none", "port": port}]) as server:
        assert server.extra_port(0) == port
        web = Http(port)
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")
        plugins = ("xep_0030", "xep_0199", "xep_0363")
        alice = run(Client("alice@" + h.DOMAIN, "alice-Pass-1", plugins=plugins).login(server.ports["c2s"]))
        bob = run(Client("bob@" + h.DOMAIN, "bob-Pass-2", plugins=plugins).login(server.ports["c2s"]))

        # §3: found from the account's domain (disco#items lists upload.D), identity store/file,
        # the feature, and max-file-size in the XEP-0128 form.
        # (slixmpp 1.8.3's find_upload_service does not run on Python 3.11: the same two steps here.)
        items = run(alice["xep_0030"].get_items(jid=h.DOMAIN, timeout=10))
        assert UPLOAD in [i[0] for i in items["disco_items"]["items"]], items
        info = run(alice["xep_0030"].get_info(jid=UPLOAD, timeout=10))["disco_info"]
        assert ("store", "file", None, "HTTP File Upload") in info["identities"], info["identities"]
        assert "urn:xmpp:http:upload:0" in info["features"], info["features"]
        forms = [dict(f["values"]) for f in info.iterables]
        assert {"FORM_TYPE": ["urn:xmpp:http:upload:0"], "max-file-size": str(MAX)} in forms or \
            {"FORM_TYPE": "urn:xmpp:http:upload:0", "max-file-size": str(MAX)} in forms, forms

        # §4 and §6: slot, PUT (201), GET; the file on its own host name, safe to open.
        content = os.urandom(40 * 1024)
        put, get, headers = run(request_slot(alice, "raport kwartalny ż.pdf", len(content), "application/pdf"))
        assert put == get, (put, get)
        path = path_of(put, port)
        assert set(headers) == {"Authorization"}, headers
        status, _, _ = web.request("PUT", path, content, dict(headers, **{"Content-Type": "application/pdf"}))
        assert status == 201, status
        status, hdrs, body = web.request("GET", path)
        assert status == 200 and body == content, (status, len(body))
        assert hdrs["content-type"] == "application/pdf", hdrs
        assert hdrs["content-disposition"].startswith("attachment;"), hdrs
        assert "filename*=UTF-8''raport%20kwartalny%20%C5%BC.pdf" in hdrs["content-disposition"], hdrs
        assert hdrs["x-content-type-options"] == "nosniff", hdrs
        assert hdrs["content-security-policy"] == "sandbox; default-src 'none'", hdrs
        status, hdrs, body = web.request("HEAD", path)
        assert status == 200 and body == b"" and hdrs["content-length"] == str(len(content)), (status, hdrs)
        # The id is 128 random bits (32 hex digits).
        file_id = path.split("/")[1]
        assert len(file_id) == 32 and int(file_id, 16) >= 0, path

        # A slot is used once: the same PUT again is refused.
        status, _, _ = web.request("PUT", path, content, headers)
        assert status == 409, status

        # Bound to the account that asked: bob's token on alice's slot is refused, and the slot
        # stays usable by alice.
        small = b"hello upload\n"
        a_put, _, a_headers = run(request_slot(alice, "a.txt", len(small), "text/plain"))
        _, _, b_headers = run(request_slot(bob, "b.txt", len(small), "text/plain"))
        status, _, _ = web.request("PUT", path_of(a_put, port), small, b_headers)
        assert status == 403, status
        status, _, _ = web.request("PUT", path_of(a_put, port), small, {})
        assert status == 403, status
        status, _, _ = web.request("PUT", path_of(a_put, port), small, a_headers)
        assert status == 201, status

        # §5: too large, with the limit; a content type not on the allow-list.
        err = run(slot_error(alice, "big.pdf", MAX + 1, "application/pdf"))
        assert err["error"]["type"] == "modify" and err["error"]["condition"] == "not-acceptable", err
        ftl = err.xml.find(".//{urn:xmpp:http:upload:0}file-too-large/{urn:xmpp:http:upload:0}max-file-size")
        assert ftl is not None and ftl.text == str(MAX), err
        err = run(slot_error(alice, "page.html", 100, "text/html"))
        assert err["error"]["condition"] == "not-acceptable", err

        # HTTP bad input on a valid slot: a body over the service's limit (413, refused from the
        # header), a Content-Length other than the slot's (400), another content type (415).
        c_put, _, c_headers = run(request_slot(alice, "c.txt", len(small), "text/plain"))
        c_path = path_of(c_put, port)
        token = c_headers["Authorization"].split(" ", 1)[1]
        assert raw_put_header_only(port, c_path, MAX + 1, token) == 413
        status, _, _ = web.request("PUT", c_path, small + b"x", c_headers)
        assert status == 400, status
        status, _, _ = web.request("PUT", c_path, small, dict(c_headers, **{"Content-Type": "image/png"}))
        assert status == 415, status
        status, _, _ = web.request("PUT", c_path, small, dict(c_headers, **{"Content-Type": "text/plain"}))
        assert status == 201, status

        # Unknown slots, traversal paths, wrong methods.
        status, _, _ = web.request("PUT", "/" + "0" * 32 + "/x.txt", small, c_headers)
        assert status == 404, status
        for probe in ["/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/" + file_id + "/../../xmppd.toml",
                      "/" + file_id.upper() + "/x", "/" + file_id, "/..%2f..%2fxmppd.sqlite", "//etc/passwd"]:
            status, _, body = web.request("GET", probe)
            assert status == 404, (probe, status, body[:100])
        for method in ["DELETE", "POST", "PATCH"]:
            status, hdrs, _ = web.request(method, path, b"x" if method != "DELETE" else None)
            assert status == 405 and "PUT" in hdrs.get("allow", ""), (method, status, hdrs)

        # The quota (200 KiB): slots count as soon as they are granted.
        granted = 0
        while True:
            try:
                run(alice["xep_0363"].request_slot(UPLOAD, "q.pdf", MAX, "application/pdf", timeout=10))
                granted += 1
            except IqError as e:
                assert e.iq["error"]["type"] == "wait" and e.iq["error"]["condition"] == "resource-constraint", e.iq
                break
            assert granted < 10, "the quota was never reached"
        assert granted == 2, granted  # 40 KiB + 3 small files + 2 x 64 KiB, a third would pass 200 KiB

        # A visitor (SASL ANONYMOUS on guest.D) may upload (visitor_policy lets it reach upload.D),
        # within its own quota (80 KiB). Here per session (conversations_host = ""); the default,
        # a quota per livechat conversation, is scenario 34.
        visitor = run(Client(h.GUEST, "", mechanism="ANONYMOUS", plugins=plugins).login(server.ports["c2s"]))
        v_put, v_get, v_headers = run(request_slot(visitor, "zdjęcie.png", 1000, "image/png"))
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(992)
        status, _, _ = web.request("PUT", path_of(v_put, port), png, dict(v_headers, **{"Content-Type": "image/png"}))
        assert status == 201, status
        status, hdrs, body = web.request("GET", path_of(v_get, port))
        assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(png).digest(), status
        assert hdrs["content-type"] == "image/png" and hdrs["content-disposition"].startswith("attachment;"), hdrs
        run(request_slot(visitor, "more.png", MAX, "image/png"))  # 1000 + 64 KiB fit in 80 KiB
        err = run(slot_error(visitor, "again.png", MAX, "image/png"))
        assert err["error"]["condition"] == "resource-constraint", err

        # Erasure (GDPR Art. 17): deleting bob's account removes his files and slots, on disk too;
        # alice's stay. bob's b.txt slot gets a file first.
        b_put, _, b_headers = run(request_slot(bob, "b2.txt", len(small), "text/plain"))
        b_path = path_of(b_put, port)
        status, _, _ = web.request("PUT", b_path, small, b_headers)
        assert status == 201, status
        b_file = os.path.join(server.dir, "upload", UPLOAD, b_path.split("/")[1])
        assert os.path.exists(b_file), b_file
        r = server.xmppctl("deluser", "bob@" + h.DOMAIN)
        assert r.returncode == 0, r.stderr
        deadline = time.time() + 10
        while web.request("GET", b_path)[0] != 404 and time.time() < deadline:
            time.sleep(0.1)  # the erasure runs after the account is gone, off the I/O thread
        assert web.request("GET", b_path)[0] == 404
        assert not os.path.exists(b_file), "the deleted account's file is still on disk"
        assert web.request("GET", path)[0] == 200, "alice's file went too"

        # Still alive and serving.
        status, _, body = web.request("GET", "/healthz")
        assert status == 200, status
        run(alice.sync())
        for c in (alice, visitor):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("upload",))
