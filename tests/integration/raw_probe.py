"""Raw-socket XMPP probes (RFC 6120) for the bad-input tests (shared/reference/bad-input.md).

A `Raw` connection sends exactly the bytes a test wants, and reads what the server sends through
an incremental parser, so a test can assert the exact stream error (RFC 6120 §4.9.3) or stanza
error (§8.3.3). Every read is bounded by a timeout: a server that hangs fails the test, never
the test run.

    c = Raw(server)                    # TCP to the c2s (STARTTLS) listener; Raw(server, tls=True): XEP-0368
    c.open()                           # our stream header; c.features() reads theirs
    c.send("<!-- hi -->")
    assert c.stream_error() == "restricted-xml"   # and the server closed the socket

    c = Raw(server).login("alice", "secret")      # STARTTLS, SASL PLAIN, bind
    reply = c.iq("<foo xmlns='urn:example:nothing'/>")
    assert stanza_error(reply) == ("cancel", "service-unavailable")

`Witnesses` are two sessions logged in before a probe; `check()` proves afterwards that they did
not notice it (no stray stanzas, a ping and a message exchange work). `memory_check()` runs a
probe 1,000 times and compares the server's RSS with that after the first 10.
"""
import base64
import concurrent.futures
import os
import select
import signal
import socket
import ssl
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import xmppd_harness as h

NS_STREAM = "http://etherx.jabber.org/streams"
NS_STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"
NS_STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_CLIENT = "jabber:client"
NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_PING = "urn:xmpp:ping"

def _sanitized():
    if h.LEAK_CHECK:
        return True
    try:
        return "XMPPD_SANITIZE:BOOL=ON" in open(os.path.join(h.BUILD_DIR, "CMakeCache.txt")).read()
    except OSError:
        return False


# A sanitizer build (cmake -DXMPPD_SANITIZE=ON) or the leak-check server (XMPPD_LEAK_CHECK=1,
# xmppd-leakcheck): "memory did not grow" is then LeakSanitizer's report at exit (checked by
# run_probes and the harness's stop()); RSS assertions are skipped there (ASan keeps freed memory
# in quarantine; the plain run has already checked RSS) and probes repeat 100 times, not 1,000.
SANITIZED = _sanitized()

# How long a probe waits for an answer the server owes it at once. Generous: sanitizer builds
# on a loaded CI machine are slow; a hang still fails.
TIMEOUT = float(os.environ.get("XMPPD_PROBE_TIMEOUT", "10"))


def q(ns, name):
    return "{%s}%s" % (ns, name)


def local(tag):
    return tag.rsplit("}", 1)[-1]


def ns_of(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def stanza_error(elem):
    """(type, condition) of a stanza error reply (RFC 6120 §8.3.2), or None."""
    if elem is None or elem.get("type") != "error":
        return None
    err = elem.find(q(NS_CLIENT, "error"))
    if err is None:
        return (None, None)
    for child in err:
        if ns_of(child.tag) == NS_STANZA_ERRORS and local(child.tag) != "text":
            return (err.get("type"), local(child.tag))
    return (err.get("type"), None)


def to_xml(elem):
    return ET.tostring(elem, encoding="unicode")


_TLS = {}


def tls_context(version=None):
    """One client context (loading it per connection costs more than the handshake). The
    server's certificate is self-signed: no verification."""
    if version not in _TLS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if version:
            ctx.minimum_version = ctx.maximum_version = version
        _TLS[version] = ctx
    return _TLS[version]


class ProbeFailure(AssertionError):
    pass


class Timeout(ProbeFailure):
    pass


class Raw:
    """One client connection, driven byte by byte by the test."""

    def __init__(self, server, tls=False, source=None, timeout=TIMEOUT, port=None):
        self.server = server
        self.timeout = timeout
        port = port or server.ports["c2s_tls" if tls else "c2s"]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))  # another loopback address: another "IP" for per-IP limits
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.raw_sock = self.sock
        self.reset_error = None
        self.elements = []          # top-level elements not yet taken by a reader
        self.header = None          # the server's stream header (attributes)
        self.error = None           # (condition, text) of a <stream:error/>
        self.stream_closed = False  # </stream:stream> received
        self.eof = False            # the socket is closed by the server
        self.received = b""         # everything read, for messages
        self.jid = None
        self._pending = b""
        self._reset_parser()
        if tls:
            self._wrap_tls()

    # --- bytes ---------------------------------------------------------------------------
    def _wrap_tls(self):
        self.sock = tls_context().wrap_socket(self.raw_sock, server_hostname=h.DOMAIN)
        self.sock.settimeout(self.timeout)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)
        return self

    def send_slowly(self, data, delay=0.0):
        """One byte per write (TCP_NODELAY): a token arriving in pieces."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            if delay:
                time.sleep(delay)
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- parsing -------------------------------------------------------------------------
    def _reset_parser(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.root = None
        self._pending = b""
        self._fed = False

    def _feed(self, data):
        data = self._pending + data
        self._pending = b""
        # Every stream the server opens begins with its XML declaration: again after STARTTLS
        # and SASL (RFC 6120 §5.4.3.3, §6.4.6), and also the one it opens only to carry a
        # stream error to a client that never restarted (§4.9.1.3; the auth deadline passing
        # right after <success/>, say). A new document, for a new parser, wherever it starts.
        while True:
            at = data.find(b"<?xml", 0 if self._fed else 1)
            if at < 0:
                break
            self._feed_document(data[:at])
            self._reset_parser()
            data = data[at:]
        self._feed_document(data)

    def _feed_document(self, data):
        # Debian's pyexpat carries libexpat's reparse deferral and Python 3.11 cannot turn it
        # off: feed up to the last '>' only, so the parser never holds a split token.
        # (The server escapes '>' in attribute values.)
        cut = data.rfind(b">") + 1
        self._pending = data[cut:]
        if not cut:
            return
        self._fed = True
        try:
            self.parser.feed(data[:cut])
            events = list(self.parser.read_events())
        except ET.ParseError as e:
            raise ProbeFailure("the server sent malformed XML (%s): %r" % (e, self.received[-400:]))
        for kind, elem in events:
            if kind == "start":
                if self.depth == 0:
                    if elem.tag != q(NS_STREAM, "stream"):
                        raise ProbeFailure("server stream element is %s" % elem.tag)
                    self.header = dict(elem.attrib)
                    self.root = elem
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 0:
                    self.stream_closed = True
                elif self.depth == 1:
                    self.root.remove(elem)
                    if elem.tag == q(NS_STREAM, "error"):
                        cond, text = None, None
                        for c in elem:
                            if ns_of(c.tag) == NS_STREAM_ERRORS:
                                if local(c.tag) == "text":
                                    text = c.text
                                elif cond is None:
                                    cond = local(c.tag)
                        self.error = (cond, text)
                    self.elements.append(elem)

    def _read_once(self, deadline):
        """Reads what is available (waiting until deadline); False on timeout."""
        if self.eof:
            return False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if not (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
                r, _, _ = select.select([self.sock], [], [], remaining)
                if not r:
                    return False
            try:
                self.sock.settimeout(max(0.01, remaining))
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue  # a partial TLS record
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
                data = b""
                self.reset_error = e
            break
        if not data:
            self.eof = True
            return True
        self.received += data
        if len(self.received) > 1 << 20:
            self.received = self.received[-65536:]
        self._feed(data)
        return True

    def next(self, timeout=None):
        """The next top-level element (a stanza, a nonza or a stream error)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.elements:
            if self.eof or self.stream_closed:
                raise ProbeFailure("the stream ended (error %s) while waiting for an element" % (self.error,))
            if not self._read_once(deadline):
                raise Timeout("no element from the server in %.1f s" % (timeout or self.timeout))
        return self.elements.pop(0)

    def wait_for(self, predicate, timeout=None, what="element"):
        """The first element matching `predicate`; the others are kept in order."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, e in enumerate(self.elements):
                if predicate(e):
                    return self.elements.pop(i)
            if self.eof or self.stream_closed:
                raise ProbeFailure("the stream ended (error %s) while waiting for %s" % (self.error, what))
            if not self._read_once(deadline):
                raise Timeout("no %s in %.1f s; got %s" % (what, timeout or self.timeout,
                                                           [to_xml(e)[:200] for e in self.elements]))

    def stream_error(self, timeout=None, require_close=True):
        """Waits for <stream:error/>, then for </stream:stream> and the server closing the TCP
        connection (RFC 6120 §4.9.1.1: the error is followed by the close). Returns the
        condition; the text is in self.error[1]."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while self.error is None:
            if self.eof or self.stream_closed:
                raise ProbeFailure("the stream ended without a stream error (eof=%s, got %r)"
                                   % (self.eof, self.received[-300:]))
            if not self._read_once(deadline):
                raise Timeout("no stream error in %.1f s; got %r" % (timeout or self.timeout, self.received[-300:]))
        if require_close:
            self.expect_closed(deadline)
        return self.error[0]

    def expect_closed(self, deadline=None):
        """The server ends the stream and the TCP connection (bounded)."""
        deadline = deadline or time.monotonic() + self.timeout
        while not self.eof:
            if not self._read_once(deadline) and not self.eof:
                raise Timeout("the server did not close the connection (stream closed: %s)" % self.stream_closed)
        if not self.stream_closed:
            raise ProbeFailure("the server closed TCP without </stream:stream>: %r" % self.received[-300:])

    def quiet(self, period=0.3):
        """Elements that arrive within `period` (a check for stray stanzas)."""
        deadline = time.monotonic() + period
        while self._read_once(deadline):
            if self.eof:
                break
        out, self.elements = self.elements, []
        return out

    # --- the stream ----------------------------------------------------------------------
    @staticmethod
    def header_xml(to=h.DOMAIN, version="1.0", xmlns=NS_CLIENT, stream_ns=NS_STREAM, prefix="stream",
                   extra="", declaration=True):
        attrs = ""
        if to is not None:
            attrs += " to='%s'" % to
        if version is not None:
            attrs += " version='%s'" % version
        ns = " xmlns='%s'" % xmlns if xmlns is not None else ""
        decl = "<?xml version='1.0'?>" if declaration else ""
        return "%s<%s:stream%s xmlns:%s='%s'%s%s>" % (decl, prefix, ns, prefix, stream_ns, attrs, extra)

    def open(self, **kw):
        """Sends our stream header (a restart resets our parser, RFC 6120 §4.3.3)."""
        self._reset_parser()
        self.header = None
        return self.send(self.header_xml(**kw))

    def features(self, timeout=None):
        return self.wait_for(lambda e: e.tag == q(NS_STREAM, "features"), timeout, "<stream:features/>")

    def starttls(self):
        """RFC 6120 §5.4: STARTTLS, then a new stream over TLS."""
        f = self.features()
        assert f.find(q(NS_TLS, "starttls")) is not None, to_xml(f)
        self.send("<starttls xmlns='%s'/>" % NS_TLS)
        reply = self.next()
        assert reply.tag == q(NS_TLS, "proceed"), to_xml(reply)
        self._wrap_tls()
        return self

    def auth_plain(self, user, password, host=h.DOMAIN):
        payload = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, payload))
        return self._auth_result()

    def auth_anonymous(self):
        self.send("<auth xmlns='%s' mechanism='ANONYMOUS'/>" % NS_SASL)
        return self._auth_result()

    def _auth_result(self):
        reply = self.wait_for(lambda e: ns_of(e.tag) == NS_SASL or e.tag == q(NS_STREAM, "error"),
                              what="SASL outcome")
        if reply.tag != q(NS_SASL, "success"):
            raise ProbeFailure("SASL failed: %s" % to_xml(reply))
        return self

    def bind(self, resource=None):
        res = "<resource>%s</resource>" % resource if resource else ""
        self.send("<iq type='set' id='bind1'><bind xmlns='%s'>%s</bind></iq>" % (NS_BIND, res))
        reply = self.wait_for(lambda e: e.get("id") == "bind1", what="bind result")
        assert reply.get("type") == "result", to_xml(reply)
        self.jid = reply.find(q(NS_BIND, "bind")).find(q(NS_BIND, "jid")).text
        return self

    def login(self, user=None, password=None, resource=None, anonymous=False):
        """The whole way to a bound session: (STARTTLS), SASL PLAIN or ANONYMOUS, restart, bind."""
        host = h.GUEST if anonymous else h.DOMAIN
        self.open(to=host)
        if not isinstance(self.sock, ssl.SSLSocket):
            self.starttls()
            self.open(to=host)
        self.features()
        if anonymous:
            self.auth_anonymous()
        else:
            self.auth_plain(user, password)
        self.open(to=host)
        self.features()
        return self.bind(resource)

    # --- stanzas -------------------------------------------------------------------------
    def iq(self, payload, type="get", to=None, id=None, timeout=None):
        """Sends an IQ and returns the reply with the same id."""
        id = id or "iq-" + uuid.uuid4().hex[:8]
        to_attr = " to='%s'" % to if to else ""
        self.send("<iq type='%s' id='%s'%s>%s</iq>" % (type, id, to_attr, payload))
        return self.reply_to(id, timeout)

    def reply_to(self, id, timeout=None):
        return self.wait_for(lambda e: local(e.tag) == "iq" and e.get("id") == id and
                             e.get("type") in ("result", "error"), timeout, "reply to %s" % id[:40])

    def ping(self, to=h.DOMAIN, timeout=None):
        reply = self.iq("<ping xmlns='%s'/>" % NS_PING, to=to, timeout=timeout)
        assert reply.get("type") == "result", "XEP-0199 ping to %s: %s" % (to, to_xml(reply))
        return reply

    def message(self, to, body, id=None):
        id = id or "m-" + uuid.uuid4().hex[:8]
        return self.send("<message to='%s' id='%s' type='chat'><body>%s</body></message>" % (to, id, body))

    def end(self):
        """A clean close: </stream:stream> and wait for the server's (bounded)."""
        try:
            self.send("</stream:stream>")
            self.expect_closed()
        finally:
            self.close()


# --- other sessions must not notice ----------------------------------------------------------
class Witnesses:
    """Two sessions logged in before a probe: afterwards neither has received anything it did
    not ask for, both can still ping the server, and they exchange a message both ways."""

    def __init__(self, server, password="witness-pw", prefix="witness"):
        self.server = server
        self.a_jid = server.adduser(prefix + "-a", password)
        self.b_jid = server.adduser(prefix + "-b", password)
        self.a = Raw(server).login(self.a_jid.split("@")[0], password, resource="a")
        self.b = Raw(server, tls=True).login(self.b_jid.split("@")[0], password, resource="b")

    def check(self, what=""):
        assert self.server.alive(), "xmppd died (%s)" % what
        for c in (self.a, self.b):
            stray = c.quiet(0.2)
            assert not stray, "%s got stray stanzas after %s: %s" % (c.jid, what, [to_xml(e)[:300] for e in stray])
            assert c.error is None and not c.eof, "%s lost its stream after %s: %s" % (c.jid, what, c.error)
            c.ping()
        token = uuid.uuid4().hex
        self.a.message(self.b.jid, "hello " + token)
        got = self.b.wait_for(lambda e: local(e.tag) == "message", what="message from witness a")
        assert got.findtext(q(NS_CLIENT, "body")) == "hello " + token and got.get("from") == self.a.jid, to_xml(got)
        self.b.message(self.a.jid, "back " + token)
        got = self.a.wait_for(lambda e: local(e.tag) == "message", what="message from witness b")
        assert got.findtext(q(NS_CLIENT, "body")) == "back " + token and got.get("from") == self.b.jid, to_xml(got)

    def close(self):
        for c in (self.a, self.b):
            try:
                c.end()
            except (AssertionError, OSError):
                c.close()


# --- repetitions and memory ---------------------------------------------------------------
def repeat(probe, n, workers=8):
    """Runs probe(i) n times on `workers` threads; the first failure is raised."""
    if workers <= 1:
        for i in range(n):
            probe(i)
        return
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(probe, i) for i in range(n)]:
            f.result()


def settled_rss(server, settle=0.3, quiet=0.3, limit=20.0):
    """RSS once the server has finished what the probe left it to do: connections closed by
    the probe reaped, and work they started (unavailable presence to hundreds of directed
    recipients, storage writes) done, i.e. the server's CPU time stands still for `quiet`
    seconds (within one tick). Memory that is still in use for such work is not growth."""
    time.sleep(settle)
    tick = 1.0 / os.sysconf("SC_CLK_TCK")
    end = time.monotonic() + limit
    before = server.cpu_seconds()
    while time.monotonic() < end:
        time.sleep(quiet)
        now = server.cpu_seconds()
        if now - before <= tick + 1e-9:
            break
        before = now
    return server.rss_kib()


MEMORY_RESULTS = []


def memory_check(server, name, probe, n=1000, warm=10, workers=8, slack_kib=1024):
    """bad-input.md: RSS after `n` repetitions within 1 MiB of RSS after the first ones.

    The first repetitions run the same way as the rest, in parallel: 10, or three full waves
    when `workers` run at once (probes that wait out a timeout run 200 at a time), because
    the allocator's high-water mark follows the number of connections open at once, which is
    not growth per repetition. Then `n` more repetitions are measured."""
    if workers > 3:
        warm = max(warm, 3 * workers)
    repeat(probe, warm, workers)
    before = settled_rss(server)
    t0 = time.monotonic()
    repeat(lambda i: probe(warm + i), n, workers)
    after = settled_rss(server)
    took = time.monotonic() - t0
    MEMORY_RESULTS.append((name, before, after, took))
    print("memory %-40s rss after %d: %6d KiB, after %d more: %6d KiB (%+d KiB) in %.1f s"
          % (name[:40], warm, before, n, after, after - before, took), flush=True)
    assert server.alive(), "xmppd died during %s" % name
    if SANITIZED or after - before <= slack_kib:
        return
    # Over the allowance once: a leak grows again by as much in the next `n` repetitions; the
    # allocator reaching a new high-water mark (an arena or a free list grown once, which the
    # machine's load makes more likely) does not. The probe fails only if it grows again.
    t0 = time.monotonic()
    repeat(lambda i: probe(warm + n + i), n, workers)
    again = settled_rss(server)
    print("memory %-40s over the allowance; after %d more: %6d KiB (%+d KiB) in %.1f s"
          % (name[:40], n, again, again - after, time.monotonic() - t0), flush=True)
    assert server.alive(), "xmppd died during %s" % name
    assert again - after <= slack_kib, \
        "%s: RSS grew by %d KiB over %d repetitions, and by %d KiB over %d more" % (
            name, after - before, n, again - after, n)


def repetitions():
    """1,000 by default (bad-input.md), 100 in a sanitizer build (what counts there is any
    leak at all); XMPPD_PROBE_REPS sets it."""
    return int(os.environ.get("XMPPD_PROBE_REPS", "100" if SANITIZED else "1000"))


class Probes:
    """A group of named probes run against one server: each is asserted once with witnesses
    watching, then repeated for the memory check. Prints one line per probe."""

    def __init__(self, server, witnesses):
        self.server = server
        self.witnesses = witnesses
        self.results = []

    def run(self, name, probe, reps=None, workers=8):
        """reps: the repetitions for memory (default repetitions(); never more than that, so
        XMPPD_PROBE_REPS and sanitizer builds scale every probe down)."""
        reps = repetitions() if reps is None else min(reps, repetitions())
        t0 = time.monotonic()
        probe(0)
        self.witnesses.check(name)
        if reps > 10:
            memory_check(self.server, name, probe, n=reps, workers=workers)
            self.witnesses.check(name + " x%d" % reps)
        self.results.append(name)
        print("ok   %-40s (%.1f s)" % (name, time.monotonic() - t0), flush=True)


def run_probes(build, server_kwargs=None, witness_prefix="witness", before_start=None, warm=True):
    """Starts a server, logs the witnesses in, warms it up (unless warm=False: the warm-up
    logs in anonymously too) and runs build(probes, server). before_start(server) may still
    change the configuration file."""
    # Probes repeat wrong logins hundreds of times from one address: the failed-login lockout
    # (tested on its own in 23-badinput-sasl) would answer them all with temporary-auth-failure.
    limits = {"max_preauth_per_ip": 10000, "anonymous_logins_per_ip_per_minute": 1000000,
              "anonymous_logins_per_minute": 1000000, "auth_failures_per_ip": 0, "auth_failures_per_account": 0}
    limits.update((server_kwargs or {}).get("limits", {}))
    kwargs = dict(channel_binding=False)
    kwargs.update(server_kwargs or {})
    kwargs["limits"] = limits
    server = h.Server(**kwargs)
    if before_start:
        before_start(server)
    with server:
        w = Witnesses(server, prefix=witness_prefix)
        if warm:
            warm_up(server)
        p = Probes(server, w)
        build(p, server)
        w.check("all probes")
        w.close()
        check_log_clean(server)
        stop_and_check(server)


def warm_up(server, n=100):
    """Logins and TLS handshakes before any measurement: the allocator arenas of the server's
    threads, OpenSSL's and SQLite's caches fill once (a few hundred KiB), not per repetition."""
    user = server.adduser("warm-up", "warm-up-pw")

    def one(i):
        if i % 3 == 0:
            c = Raw(server, tls=True).login(user.split("@")[0], "warm-up-pw")
        elif i % 3 == 1:
            c = Raw(server, tls=True).login(anonymous=True)
        else:
            c = Raw(server).login(user.split("@")[0], "warm-up-pw")
        c.end()
    try:
        repeat(one, n, 8)
    except ProbeFailure:
        pass  # e.g. anonymous logins limited on purpose by this server's configuration


def check_log_clean(server):
    """No sanitizer report and no crash trace so far (the report at exit is checked by
    sanitizer_check() after stop())."""
    text = server.log_text()
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "terminate called"):
        assert marker not in text, "server log has %s" % marker


def stop_and_check(server, timeout=60):
    """SIGTERM, a clean exit (status 0: a sanitizer build exits non-zero after a report, and
    LeakSanitizer only runs on a normal exit), and no report in the log."""
    proc = server.proc
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("xmppd did not exit within %d s of SIGTERM" % timeout)
    finally:
        server.proc = None
    sanitizer_check(server)
    assert rc == 0, "xmppd exited with status %s" % rc


def sanitizer_check(server):
    """After stop(): a sanitizer build prints leaks and errors at exit."""
    text = server.log_text()
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert marker not in text, "sanitizer report in the server log:\n" + text[-4000:]


# --- common probe shapes ----------------------------------------------------------------------
def expect_preauth_error(server, payload, expected, wait_features=True, tls=False, source=None, **header):
    """A fresh connection sends a stream header (unless payload starts the stream itself), then
    `payload`; the server must answer with the stream error `expected` and close."""
    with Raw(server, tls=tls, source=source) as c:
        if header.pop("no_header", False):
            c.send(payload)
        else:
            c.open(**header)
            if wait_features:
                c.features()
            c.send(payload)
        got = c.stream_error()
        assert got == expected, "expected <%s/>, got <%s/> (%s) for %r" % (expected, got, c.error[1], payload[:200])
        return c


def expect_session_error(server, user, password, payload, expected, anonymous=False, tls=True):
    """A bound session sends `payload`; the server must answer with the stream error."""
    with Raw(server, tls=tls) as c:
        c.login(user, password, anonymous=anonymous)
        c.send(payload)
        got = c.stream_error()
        assert got == expected, "expected <%s/>, got <%s/> (%s) for %r" % (expected, got, c.error[1], payload[:200])
        return c


# --- many connections at once -------------------------------------------------------------
class Crowd:
    """Many plain TCP connections driven together (epoll: select() stops at 1,024 descriptors).
    Each connection keeps what it received; `wait_closed()` waits until the server has closed
    them all (bounded), `conditions()` names the stream error each one got."""

    def __init__(self, server, n, sources=("127.0.0.1",), port=None, per_source=None):
        import selectors
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.data = {}
        self.closed = set()
        port = port or server.ports["c2s"]
        for i in range(n):
            src = sources[(i // per_source) % len(sources)] if per_source else sources[i % len(sources)]
            s = socket.socket()
            s.bind((src, 0))
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            self.socks.append(s)
            self.data[s] = b""
            self.sel.register(s, selectors.EVENT_READ)

    def send_all(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        for s in self.socks:
            if s in self.closed:
                continue
            try:
                s.setblocking(True)
                s.sendall(payload)
                s.setblocking(False)
            except OSError:
                pass

    def pump(self, timeout):
        """Reads whatever arrives for up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.closed) < len(self.socks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            for key, _ in self.sel.select(min(remaining, 0.5)):
                s = key.fileobj
                try:
                    chunk = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                if chunk:
                    self.data[s] += chunk
                else:
                    self.closed.add(s)
                    self.sel.unregister(s)

    def wait_closed(self, timeout):
        self.pump(timeout)
        return len(self.closed)

    def conditions(self):
        """The stream error condition each connection received (None if none)."""
        out = []
        for s in self.socks:
            d = self.data[s]
            i = d.find(b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'")
            if i < 0:
                out.append(None)
                continue
            start = d.rfind(b"<", 0, i)
            out.append(d[start + 1:i].strip().decode())
        return out

    def close(self):
        for s in self.socks:
            try:
                self.sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        self.sel.close()
