# bad-input.md row 23 on BOSH (XEP-0124 §11-§14, §17.2; XEP-0206): each probe gets the exact
# terminal binding condition in an HTTP 200 <body type='terminate'/>, the server stays up, two
# TCP witnesses and a BOSH witness session notice nothing, and 1,000 repetitions do not grow
# memory:
#   a guessed sid -> item-not-found; a rid beyond the window -> item-not-found and the session is
#   gone; a replayed rid -> the same response again (§14.3), one no longer kept -> item-not-found;
#   more than 'requests' at once -> policy-violation (§11); empty polls faster than 'polling'
#   (§12, and §11 with hold='1') -> policy-violation; a body that is not one <body/> of
#   httpbind (not XML, another root, no rid, a DOCTYPE, text in the wrapper) -> bad-request; a
#   body over the stanza budget of the stream's phase -> policy-violation, over the largest
#   budget -> HTTP 413; a foreign Origin -> 403 (no CORS grant); GET -> 405; no xmpp:version ->
#   remote-stream-error with <unsupported-version/> (XEP-0206 §3, RFC 6120 §4.7.5); a host we
#   do not serve -> host-unknown. sids are 128 random bits, different every time.
# backends: sqlite
import concurrent.futures
import uuid

import bosh_probe as bp
import raw_probe as rx
import xmppd_harness as h

ORIGIN = "https://fundusze.example"
POLLING = 10  # seconds: generous, so that "too fast" is not a matter of the machine's speed


class BoshWitness:
    """A BOSH session logged in before the probes; after each it still answers a ping."""

    def __init__(self, server, port):
        jid = server.adduser("bosh-witness", "witness-pw")
        self.session = bp.Bosh(port)
        self.session.create(wait=5)
        self.session.login_plain(jid.split("@")[0], "witness-pw", resource="bosh")

    def check(self, what):
        assert self.session.ping() == "result", "the BOSH witness lost its session after %s" % what


class AllWitnesses:
    def __init__(self, tcp, bosh):
        self.tcp, self.bosh = tcp, bosh

    def check(self, what=""):
        self.tcp.check(what)
        self.bosh.check(what)

    def close(self):
        self.tcp.close()


def build(p, server):
    port = server.extra_port(0)
    p.witnesses = AllWitnesses(p.witnesses, BoshWitness(server, port))
    pool = concurrent.futures.ThreadPoolExecutor(32)

    def expect(body, condition):
        got = bp.terminal(body)
        assert got == condition, "expected terminate %r, got %r: %s" % (condition, got, bp.ET.tostring(body)[:300])

    def fresh(**kw):
        s = bp.Bosh(port)
        created = s.create(**kw)
        assert bp.terminal(created) is None and len(s.sid) == 32, bp.ET.tostring(created)
        return s

    def guessed_sid(i):
        s = bp.Bosh(port)
        s.sid = uuid.uuid4().hex
        expect(s.send(), "item-not-found")
    p.run("23 guessed sid", guessed_sid)

    def rid_beyond_window(i):
        s = fresh()
        expect(s.send(rid=s.rid + 10), "item-not-found")
        expect(s.send(), "item-not-found")  # the session is gone
    p.run("23 rid beyond the window", rid_beyond_window)

    def rid_replayed(i):
        # A polling session (wait='0'): every request is answered at once.
        s = fresh(to=h.GUEST, wait=0)
        auth = "<auth xmlns='%s' mechanism='ANONYMOUS'/>" % bp.NS_SASL
        first_rid = s.rid
        first = s.raw(s.body_xml(auth, rid=first_rid)).text
        s.rid += 1
        assert "<success" in first, first
        again = s.raw(s.body_xml(auth, rid=first_rid)).text
        assert again == first, "a replayed rid gets the same response (XEP-0124 §14.3): %r vs %r" % (again, first)
        s.send(to=h.GUEST, xmpp__restart="true")
        s.send("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='%s'/></iq>" % bp.NS_BIND)
        expect(s.send(rid=first_rid), "item-not-found")  # no longer kept
    p.run("23 replayed rid", rid_replayed)

    def pending(s, rid):
        """rid sent twice: the server keeps the second copy waiting (a re-sent request, §14.3)
        and answers the first with an empty body, so when one returns the other is there."""
        a, b = pool.submit(s.send, "", rid), pool.submit(s.send, "", rid)
        done, _ = concurrent.futures.wait([a, b], timeout=rx.TIMEOUT, return_when=concurrent.futures.FIRST_COMPLETED)
        assert done, "neither copy of rid %d was answered" % rid
        first = done.pop()
        assert bp.terminal(first.result()) is None, bp.ET.tostring(first.result())
        return b if first is a else a

    def too_many_at_once(i):
        s = fresh()
        waiting = [pending(s, s.rid + 1), pending(s, s.rid + 2)]  # both wait for s.rid
        expect(s.send(), "policy-violation")  # a third request at once with requests='2'
        for f in waiting:
            expect(f.result(timeout=rx.TIMEOUT), "policy-violation")
    p.run("23 more than 'requests' at once", too_many_at_once, workers=4)

    def polling_too_fast(i):
        s = fresh(wait=0)  # §12: a polling session
        assert bp.terminal(s.send()) is None
        expect(s.send(), "policy-violation")  # a second empty poll within 'polling'
    p.run("23 polling too fast (polling session)", polling_too_fast)

    def held_polls_too_fast(i):
        s = fresh()  # hold='1', requests='2'
        first = pool.submit(s.send, "", s.take_rid())
        second = pool.submit(s.send, "", s.take_rid())  # releases the first: let through once (a reloaded page)
        assert bp.terminal(first.result(timeout=rx.TIMEOUT)) is None
        expect(s.send(), "policy-violation")  # and again: a client polling in a loop (§11)
        expect(second.result(timeout=rx.TIMEOUT), "policy-violation")
    p.run("23 empty polls too fast (hold=1)", held_polls_too_fast, workers=4)

    malformed = {
        "not XML": "das ist kein XML",
        "another root": "<html xmlns='%s' rid='5'/>" % bp.NS_BIND_HTTP,
        "another namespace": "<body xmlns='jabber:client' rid='5' to='localhost'/>",
        "no rid": "<body xmlns='%s' to='localhost' wait='60' hold='1'/>" % bp.NS_BIND_HTTP,
        "rid not a number": "<body xmlns='%s' rid='1e9' to='localhost'/>" % bp.NS_BIND_HTTP,
        "DOCTYPE": "<!DOCTYPE body [<!ENTITY x 'y'>]><body xmlns='%s' rid='5'>&x;</body>" % bp.NS_BIND_HTTP,
        "two bodies": "<body xmlns='%s' rid='5'/><body xmlns='%s' rid='6'/>" % (bp.NS_BIND_HTTP, bp.NS_BIND_HTTP),
        "unclosed": "<body xmlns='%s' rid='5'>" % bp.NS_BIND_HTTP,
    }
    for name, text in malformed.items():
        def malformed_body(i, text=text):
            a = bp.post(port, text)
            assert a.status == 200 and a.body is not None, (a.status, a.text)
            expect(a.body, "bad-request")
        p.run("23 malformed: " + name, malformed_body)

    def text_in_wrapper(i):
        s = fresh()
        expect(s.send("text where only elements may be"), "bad-request")
        expect(s.send(), "item-not-found")
    p.run("23 malformed: text in the wrapper", text_in_wrapper)

    def over_budget(i):
        s = fresh()  # pre-authentication: 16 KiB stanzas
        big = "<message xmlns='jabber:client' to='x@localhost'><body>%s</body></message>" % ("x" * 20000)
        expect(s.send(big), "policy-violation")
        expect(s.send(), "item-not-found")
    p.run("23 body over the stanza budget", over_budget)

    def over_http_limit(i):
        assert bp.announce_body(port, 400 * 1024) == 413
    p.run("23 body over every budget", over_http_limit)

    def foreign_origin(i):
        s = bp.Bosh(port)
        text = s.body_xml(to=h.DOMAIN, wait=60, hold=1, xmpp__version="1.0")
        a = bp.post(port, text, origin="https://evil.example")
        assert a.status == 403 and a.header("Access-Control-Allow-Origin") is None, (a.status, a.headers)
        ok = bp.post(port, text, origin=ORIGIN)
        assert ok.status == 200 and ok.header("Access-Control-Allow-Origin") == ORIGIN, (ok.status, ok.headers)
        assert ok.header("Content-Type") == "text/xml; charset=utf-8", ok.headers
        s.sid, s.origin = ok.body.get("sid"), ORIGIN
        s.rid += 1
        expect(s.terminate(), "")
    p.run("23 foreign Origin", foreign_origin)

    def methods(i):
        pre = bp.post(port, "", method="OPTIONS", origin=ORIGIN,
                      headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        assert pre.status == 204 and pre.header("Access-Control-Allow-Origin") == ORIGIN, (pre.status, pre.headers)
        assert "POST" in pre.header("Access-Control-Allow-Methods"), pre.headers
        assert bp.post(port, "", method="GET").status == 405
    p.run("23 pre-flight and GET", methods)

    def no_version(i):
        s = bp.Bosh(port)
        created = s.create(version=False)
        expect(created, "remote-stream-error")
        assert bp.stream_error(created) == "unsupported-version", bp.ET.tostring(created)
    p.run("23 no xmpp:version", no_version)

    def unknown_host(i):
        expect(bp.Bosh(port).create(to="example.net"), "host-unknown")
    p.run("23 host we do not serve", unknown_host)

    # Unpredictable session ids: 128 bits, never the same.
    sessions = [fresh() for _ in range(200)]
    sids = {s.sid for s in sessions}
    assert len(sids) == 200 and all(len(s) == 32 and int(s, 16) >= 0 for s in sids)
    for s in sessions:
        expect(s.terminate(), "")
    pool.shutdown()


def test():
    rx.run_probes(build, server_kwargs={
        "extra_listeners": [{"type": "http", "tls": "none", "origins": [ORIGIN]}],
        # The BOSH witness is quiet while a probe repeats: a long inactivity period keeps it.
        "extra_config": '\n[bosh]\npolling = "%ds"\ninactivity = "600s"\n' % POLLING})


if __name__ == "__main__":
    h.main(test)
