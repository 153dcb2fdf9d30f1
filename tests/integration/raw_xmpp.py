"""A raw XMPP stream over a socket, for what a client library hides: the stream features
offered, a SASL exchange by hand, a stanza the library would not send. Python's ssl for TLS;
elements come back as xml.etree.ElementTree elements ("{namespace}name" tags). Every read is
bounded."""
import base64
import socket
import ssl
import time
import xml.etree.ElementTree as ET

import xmppd_harness as h

NS_STREAM = "http://etherx.jabber.org/streams"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_CB = "urn:xmpp:sasl-cb:0"
NS_SM = "urn:xmpp:sm:3"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_CLIENT = "jabber:client"


def q(ns, name):
    return "{%s}%s" % (ns, name)


def tls_context(max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test server's certificate is self-signed
    if max_version:
        ctx.maximum_version = max_version
    return ctx


class RawStream:
    def __init__(self, sock, domain):
        self.sock = sock
        self.domain = domain
        self.features = None
        self._parser = None
        self._depth = 0
        self._ready = []

    @classmethod
    def connect(cls, server, kind="c2s", domain=h.DOMAIN, port=None, alpn=True):
        """A TCP connection to a listener; direct TLS (XEP-0368) when kind is c2s_tls."""
        sock = socket.create_connection(("127.0.0.1", port or server.ports[kind]), timeout=5)
        if kind == "c2s_tls":
            ctx = tls_context()
            if alpn:
                ctx.set_alpn_protocols(["xmpp-client"])
            sock = ctx.wrap_socket(sock, server_hostname=domain)
        return cls(sock, domain)

    @property
    def tls_version(self):
        return self.sock.version() if isinstance(self.sock, ssl.SSLSocket) else None

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def open(self):
        """Sends a stream header (RFC 6120 §4.2) and returns the <stream:features/> received."""
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._ready = []
        self.send("<?xml version='1.0'?><stream:stream to='%s' version='1.0' xml:lang='en' "
                  "xmlns='jabber:client' xmlns:stream='%s'>" % (self.domain, NS_STREAM))
        self.features = self.next()
        assert self.features.tag == q(NS_STREAM, "features"), ET.tostring(self.features)
        return self.features

    def starttls(self, max_version=None):
        """RFC 6120 §5.4: <starttls/>, <proceed/>, TLS handshake, a new stream."""
        self.send("<starttls xmlns='%s'/>" % NS_TLS)
        proceed = self.next()
        assert proceed.tag == q(NS_TLS, "proceed"), ET.tostring(proceed)
        self.sock = tls_context(max_version).wrap_socket(self.sock, server_hostname=self.domain)
        return self.open()

    def mechanisms(self):
        m = self.features.find(q(NS_SASL, "mechanisms"))
        return [e.text for e in m.findall(q(NS_SASL, "mechanism"))] if m is not None else []

    def binding_types(self):
        cb = self.features.find(q(NS_CB, "sasl-channel-binding"))
        return [e.get("type") for e in cb.findall(q(NS_CB, "channel-binding"))] if cb is not None else None

    def auth(self, mechanism, initial=b""):
        """Sends <auth/>; returns the server's answer (challenge, success or failure)."""
        text = base64.b64encode(initial).decode() if initial else "="
        self.send("<auth xmlns='%s' mechanism='%s'>%s</auth>" % (NS_SASL, mechanism, text))
        return self.next()

    def plain_login(self, user, password, resource=None):
        """SASL PLAIN (RFC 4616) over the TLS stream, then bind; returns the bound JID."""
        r = self.auth("PLAIN", b"\0" + user.encode() + b"\0" + password.encode())
        assert r.tag == q(NS_SASL, "success"), ET.tostring(r)
        self.open()
        return self.bind(resource)

    def bind(self, resource=None):
        res = "<resource>%s</resource>" % resource if resource else ""
        self.send("<iq type='set' id='bind-1'><bind xmlns='%s'>%s</bind></iq>" % (NS_BIND, res))
        reply = self.next()
        assert reply.get("type") == "result", ET.tostring(reply)
        return reply.find(q(NS_BIND, "bind")).find(q(NS_BIND, "jid")).text

    def next(self, timeout=5):
        """The next top-level element of the stream (RFC 6120 §4.1: first-level children)."""
        deadline = time.time() + timeout
        while not self._ready:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError("no element from the server in %s s" % timeout)
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise ConnectionError("the server closed the connection")
            self._parser.feed(data)
            for event, elem in self._parser.read_events():
                if event == "start":
                    self._depth += 1
                else:
                    self._depth -= 1
                    if self._depth == 1:
                        self._ready.append(elem)
        return self._ready.pop(0)

    def expect_closed(self, timeout=5):
        """Reads until the server closes the TCP connection; returns the elements it sent."""
        out = []
        try:
            while True:
                out.append(self.next(timeout))
        except ConnectionError:
            return out
        except (ssl.SSLError, OSError):
            return out

    def close(self):
        try:
            self.send("</stream:stream>")
        except OSError:
            pass
        self.sock.close()
