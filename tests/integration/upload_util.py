"""XEP-0363 helpers for the upload scenarios (52, 34): slots through slixmpp's xep_0363 plugin and
requests to the upload host's own name on a loopback HTTP listener."""
import http.client

import xmppd_harness as h
from slixmpp.exceptions import IqError

UPLOAD = "upload." + h.DOMAIN
MAX = 64 * 1024


class Http:
    """Requests to the upload host on the loopback listener (its name need not resolve here)."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        hdrs = {"Host": "%s:%d" % (UPLOAD, self.port)}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def path_of(url, port):
    prefix = "http://%s:%d" % (UPLOAD, port)
    assert url.startswith(prefix + "/"), url
    return url[len(prefix):]


def slot_headers(put):
    # slixmpp exposes <header name=''/> children of <put/> as a list of Header stanzas.
    return {hd["name"]: hd["value"] for hd in put["headers"]}


async def request_slot(client, filename, size, content_type):
    iq = await client["xep_0363"].request_slot(UPLOAD, filename, size, content_type, timeout=10)
    s = iq["http_upload_slot"]
    return s["put"]["url"], s["get"]["url"], slot_headers(s["put"])


async def slot_error(client, filename, size, content_type):
    try:
        await client["xep_0363"].request_slot(UPLOAD, filename, size, content_type, timeout=10)
    except IqError as e:
        return e.iq
    raise AssertionError("a slot was granted; an error was expected")


