"""Raw BOSH (XEP-0124, XEP-0206) over Python's http.client, for the 6x scenarios and the
bad-input probes: every <body/> is the exact text a test wants, and every answer is parsed so a
test can assert the exact terminal binding condition (XEP-0124 §17.2). Real clients (strophe.js)
are in tests/web/; this is for what a library never sends. Every request has a timeout.

    b = Bosh(port)                       # HTTP listener on 127.0.0.1
    resp = b.create(to="localhost")      # session creation (XEP-0124 §7), rid chosen at random
    b.login_plain("alice", "pw")         # SASL PLAIN, xmpp:restart, bind (XEP-0206)
    resp = b.send("<message .../>")      # the next rid; the answer's <body/>
    assert terminal(resp) == "item-not-found"
"""
import http.client
import random
import socket
import base64
import uuid
import xml.etree.ElementTree as ET

import xmppd_harness as h

NS_BIND_HTTP = "http://jabber.org/protocol/httpbind"
NS_XBOSH = "urn:xmpp:xbosh"
NS_STREAM = "http://etherx.jabber.org/streams"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_CLIENT = "jabber:client"
PATH = "/http-bind"


def q(ns, name):
    return "{%s}%s" % (ns, name)


class HttpAnswer:
    def __init__(self, status, headers, text):
        self.status, self.headers, self.text = status, headers, text
        self.body = None
        if status == 200 and text.startswith("<body"):
            self.body = ET.fromstring(text)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def post(port, text, timeout=10, origin=None, method="POST", headers=None):
    """One HTTP request on its own connection; the status, headers and text of the answer."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "text/xml; charset=utf-8", "Host": "localhost"}
        if origin:
            hdrs["Origin"] = origin
        hdrs.update(headers or {})
        c.request(method, PATH, body=text.encode() if isinstance(text, str) else text, headers=hdrs)
        r = c.getresponse()
        return HttpAnswer(r.status, r.getheaders(), r.read().decode(errors="replace"))
    finally:
        c.close()


def announce_body(port, length, timeout=10):
    """A POST whose header announces `length` bytes, none sent: the HTTP status the server
    answers with before reading a body it would refuse."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                   "Content-Length: %d\r\n\r\n" % (PATH, length)).encode())
        head = s.recv(4096).decode(errors="replace")
        return int(head.split(" ", 2)[1])
    finally:
        s.close()


def terminal(body):
    """The terminal binding condition of a response <body/> ('' for a clean end), or None when
    the body does not end the session."""
    if body is None or body.get("type") != "terminate":
        return None
    return body.get("condition", "")


def stream_error(body):
    """The stream error condition inside a remote-stream-error body (XEP-0206 §7)."""
    err = body.find(q(NS_STREAM, "error"))
    if err is None:
        return None
    return [c.tag.split("}")[1] for c in err if not c.tag.endswith("}text")][0]


def payloads(body):
    return list(body) if body is not None else []


class Bosh:
    """One BOSH session driven by hand."""

    def __init__(self, port, origin=None, timeout=10):
        self.port, self.origin, self.timeout = port, origin, timeout
        self.sid = None
        self.rid = random.randint(1 << 20, 1 << 40)  # XEP-0124 §14.1: large and random
        self.jid = None
        self.created = None

    def body_xml(self, inner="", rid=None, **attrs):
        a = {"rid": str(self.rid if rid is None else rid)}
        if self.sid:
            a["sid"] = self.sid
        a.update({k.replace("__", ":"): str(v) for k, v in attrs.items()})  # xmpp__restart: xmpp:restart
        return "<body xmlns='%s' xmlns:xmpp='%s' %s>%s</body>" % (
            NS_BIND_HTTP, NS_XBOSH, " ".join("%s='%s'" % kv for kv in a.items()), inner)

    def raw(self, text, timeout=None):
        return post(self.port, text, timeout=timeout or self.timeout, origin=self.origin)

    def create(self, to=h.DOMAIN, wait=60, hold=1, version=True, **attrs):
        extra = dict(attrs)
        if version:
            extra["xmpp__version"] = "1.0"
        text = self.body_xml("", to=to, wait=wait, hold=hold, ver="1.11", **extra)
        a = self.raw(text)
        assert a.status == 200, (a.status, a.text)
        self.rid += 1
        self.created = a.body
        if terminal(a.body) is None:
            self.sid = a.body.get("sid")
        return a.body

    def take_rid(self):
        """The next rid, taken now: for a request sent from another thread, so that requests get
        their rids in the order the test means, not in the order threads happen to run."""
        self.rid += 1
        return self.rid - 1

    def send(self, inner="", rid=None, timeout=None, **attrs):
        """The next request (or one with the given rid); its answer's <body/>."""
        text = self.body_xml(inner, rid=rid, **attrs)
        if rid is None:
            self.rid += 1
        a = self.raw(text, timeout)
        assert a.status == 200, (a.status, a.text)
        return a.body

    def until(self, pred, what, polls=20):
        """Empty polls until a payload matching pred arrives (each held at most 'wait')."""
        for _ in range(polls):
            b = self.send()
            assert terminal(b) is None, "session ended (%s) waiting for %s" % (terminal(b), what)
            for p in payloads(b):
                if pred(p):
                    return p
        raise AssertionError("no %s in %d polls" % (what, polls))

    def features(self, body):
        return body.find(q(NS_STREAM, "features"))

    def login_plain(self, user, password, resource=None, host=h.DOMAIN):
        """SASL PLAIN (offered: loopback counts as secure), xmpp:restart, bind (XEP-0206 §5)."""
        creds = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
        b = self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, creds))
        if not payloads(b):
            b = self.send()
        assert payloads(b) and payloads(b)[0].tag == q(NS_SASL, "success"), ET.tostring(b)
        b = self.send(to=host, xmpp__restart="true")
        if self.features(b) is None:
            b = self.send()
        assert self.features(b) is not None and self.features(b).find(q(NS_BIND, "bind")) is not None, ET.tostring(b)
        res = "<resource>%s</resource>" % resource if resource else ""
        b = self.send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='%s'>%s</bind></iq>" % (NS_BIND, res))
        if not payloads(b):
            b = self.send()
        self.jid = b.find(q(NS_CLIENT, "iq")).find(q(NS_BIND, "bind")).findtext(q(NS_BIND, "jid"))
        return self

    def login_anonymous(self):
        b = self.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % NS_SASL)
        if not payloads(b):
            b = self.send()
        assert payloads(b)[0].tag == q(NS_SASL, "success"), ET.tostring(b)
        b = self.send(to=h.GUEST, xmpp__restart="true")
        if self.features(b) is None:
            b = self.send()
        b = self.send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='%s'/></iq>" % NS_BIND)
        if not payloads(b):
            b = self.send()
        self.jid = b.find(q(NS_CLIENT, "iq")).find(q(NS_BIND, "bind")).findtext(q(NS_BIND, "jid"))
        return self

    def ping(self, to=h.DOMAIN):
        """An XEP-0199 ping; its result must come back on this request or the next polls."""
        iq_id = "p-" + uuid.uuid4().hex[:8]
        b = self.send("<iq xmlns='jabber:client' type='get' id='%s' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>" % (iq_id, to))
        for p in payloads(b):
            if p.get("id") == iq_id:
                return p.get("type")
        return self.until(lambda p: p.get("id") == iq_id, "ping result").get("type")

    def terminate(self, inner=""):
        return self.send(inner, type="terminate")
