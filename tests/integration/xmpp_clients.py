"""slixmpp clients for the integration tests: connect, wait for an event, never hang
(every wait is bounded)."""
import asyncio
import atexit
import logging
import ssl
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

logging.basicConfig(level=logging.ERROR)
LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(LOOP)


def run(coro, timeout=15):
    return LOOP.run_until_complete(asyncio.wait_for(coro, timeout))


@atexit.register
def _cancel_pending():
    # slixmpp leaves tasks behind (filters, waits); cancel them so that a failure's output is
    # the failure, not a page of "Task was destroyed but it is pending".
    pending = [t for t in asyncio.all_tasks(LOOP) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        LOOP.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


class Inbox:
    """What a client received, in order; get() takes the first item matching a predicate,
    waiting for it (bounded). Items that do not match stay for later gets."""

    def __init__(self, what):
        self.what = what
        self.items = []
        self._changed = asyncio.Event()

    def put(self, item):
        self.items.append(item)
        self._changed.set()

    async def get(self, pred=lambda _: True, timeout=10, describe=""):
        deadline = LOOP.time() + timeout
        while True:
            for i, item in enumerate(self.items):
                if pred(item):
                    del self.items[i]
                    return item
            remaining = deadline - LOOP.time()
            if remaining <= 0:
                raise AssertionError("no %s%s within %s s; got: %s" % (
                    self.what, " (%s)" % describe if describe else "", timeout,
                    [str(x)[:300] for x in self.items]))
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def find(self, pred=lambda _: True):
        return [x for x in self.items if pred(x)]

    def clear(self):
        self.items.clear()


class Component(slixmpp.ComponentXMPP):
    """An XEP-0114 component that records the messages reaching it, e.g. standing in for the
    livechat service on chat.D (the test removes that host first: Server.drop_host)."""

    def __init__(self, domain, secret, port):
        super().__init__(domain, secret, "127.0.0.1", port)
        self.register_plugin("xep_0199")
        self.messages = Inbox("message to " + domain)
        self.started = asyncio.Event()
        self.add_event_handler("session_start", lambda _: self.started.set())
        self.add_event_handler("message", self.messages.put)

    async def start(self):
        self.connect()
        await asyncio.wait_for(self.started.wait(), 15)
        return self


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it receives: messages (with a body), message errors,
    presences, roster pushes, carbons (XEP-0280) and <stream:error/> conditions. Subscription
    requests are left to the test unless auto_approve=True (slixmpp's own default: approve every
    request and ask back)."""

    def __init__(self, jid, password, mechanism=None, plugins=("xep_0030", "xep_0199"), auto_approve=False):
        super().__init__(jid, password)
        for p in plugins:
            self.register_plugin(p)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        if mechanism:
            self["feature_mechanisms"].use_mech = mechanism
        if not auto_approve:
            self.auto_authorize = None  # RFC 6121 §3.1.3: the user decides
            self.auto_subscribe = False
        self.messages = Inbox("message")
        self.errors = Inbox("message error")
        self.presences = Inbox("presence")
        self.roster_pushes = Inbox("roster push")
        self.carbons = Inbox("carbon copy")
        self.stanzas = Inbox("stanza")  # every message and presence, for "nothing else came"
        self.started = asyncio.Event()
        self.auth_failed = asyncio.Event()
        self.lost = asyncio.Event()
        self.resumed = asyncio.Event()
        self.sm_enabled = asyncio.Event()  # XEP-0198 <enabled/> received
        self.stream_errors = []  # conditions of <stream:error/>s received (RFC 6120 §4.9)
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("session_resumed", lambda _: self.resumed.set())
        self.add_event_handler("sm_enabled", lambda _: self.sm_enabled.set())
        self.add_event_handler("failed_all_auth", lambda _: self.auth_failed.set())
        self.add_event_handler("disconnected", lambda _: self.lost.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e["condition"]))
        self.add_event_handler("message", lambda m: self.messages.put(m) if m["type"] != "error" else None)
        self.add_event_handler("message_error", self.errors.put)
        self.add_event_handler("presence", self.presences.put)
        self.add_event_handler("roster_update", self.roster_pushes.put)
        self.add_event_handler("carbon_received", self.carbons.put)
        self.add_event_handler("carbon_sent", self.carbons.put)
        self.register_handler(Callback("all stanzas", MatchXPath("{jabber:client}message"), self.stanzas.put))
        self.register_handler(Callback("all presences", MatchXPath("{jabber:client}presence"), self.stanzas.put))

    async def _on_start(self, _):
        self.started.set()

    async def login(self, port, host="127.0.0.1", send_presence=True, get_roster=False, direct_tls=False,
                    priority=None, status=None):
        self.started.clear()
        self.auth_failed.clear()
        self.lost.clear()
        self.connect((host, port), force_starttls=not direct_tls, disable_starttls=direct_tls,
                     use_ssl=direct_tls)
        waits = [asyncio.ensure_future(e.wait()) for e in (self.started, self.auth_failed, self.lost)]
        await asyncio.wait(waits, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        if not self.started.is_set():
            raise AssertionError("login of %s failed" % self.boundjid.bare)
        if get_roster:
            await self.get_roster()
        if send_presence:
            self.send_presence(ppriority=priority, pstatus=status)
        return self

    async def reconnect_and_resume(self, port, host="127.0.0.1"):
        """Connects again; slixmpp's XEP-0198 plugin sends <resume/> with the old id."""
        self.resumed.clear()
        self.started.clear()
        self.lost.clear()
        self.connect((host, port))
        waits = [asyncio.ensure_future(e.wait()) for e in (self.resumed, self.started, self.lost)]
        await asyncio.wait(waits, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        if not self.resumed.is_set():
            raise AssertionError("XEP-0198: the session of %s was not resumed" % self.boundjid)

    def drop(self):
        """Loses the connection the way a phone leaving coverage does: no </stream:stream>, no
        TLS close_notify, the TCP connection just ends."""
        self.transport.abort()

    async def next_message(self, timeout=10, pred=lambda _: True, describe=""):
        return await self.messages.get(pred, timeout, describe)

    async def next_presence(self, timeout=10, pred=lambda _: True, describe=""):
        return await self.presences.get(pred, timeout, describe)

    async def sync(self, timeout=5):
        """A XEP-0199 ping round trip to the server: everything the server sent to this client
        before answering has arrived once it returns (RFC 6120 §10.1, in-order delivery)."""
        await self["xep_0199"].ping(self.boundjid.domain, timeout=timeout)

    async def iq_error(self, iq, timeout=5):
        """Sends an IQ that must fail; returns the error condition (RFC 6120 §8.3)."""
        try:
            await iq.send(timeout=timeout)
        except IqError as e:
            return e.iq["error"]["condition"]
        except IqTimeout:
            raise AssertionError("no answer to the IQ: RFC 6120 §8.2.3 requires one")
        raise AssertionError("the IQ succeeded; an error was expected")

    def raw_iq(self, itype, to, payload_xml):
        iq = self.make_iq(itype=itype, ito=to)
        iq.append(ET.fromstring(payload_xml))
        return iq

    async def close(self):
        # disconnect() returns a future that ends with the disconnection (at once when the
        # server already closed the stream); self.disconnected is renewed after each one.
        try:
            await asyncio.wait_for(self.disconnect(), 5)
        except asyncio.TimeoutError:
            pass


def _roster_push(jid, subscription):
    return lambda iq: (iq["roster"]["items"].get(jid) or {}).get("subscription") == subscription


async def befriend(a, b):
    """Mutual presence subscription (RFC 6121 §3.1) between two logged-in clients, done the way
    users do it: a asks, b approves and asks back, a approves. Returns when both rosters have
    subscription='both' and each has seen the other online."""
    ja, jb = a.boundjid.bare, b.boundjid.bare
    a.send_presence(pto=jb, ptype="subscribe")
    await b.presences.get(lambda p: p["from"].bare == ja and p["type"] == "subscribe", describe="subscribe")
    b.send_presence(pto=ja, ptype="subscribed")
    b.send_presence(pto=ja, ptype="subscribe")
    await a.presences.get(lambda p: p["from"].bare == jb and p["type"] == "subscribe", describe="subscribe")
    a.send_presence(pto=jb, ptype="subscribed")
    await a.roster_pushes.get(_roster_push(jb, "both"), describe="%s both" % jb)
    await b.roster_pushes.get(_roster_push(ja, "both"), describe="%s both" % ja)
    await a.presences.get(lambda p: p["from"] == b.boundjid and p["type"] != "unavailable", describe="online")
    await b.presences.get(lambda p: p["from"] == a.boundjid and p["type"] != "unavailable", describe="online")
    for c in (a, b):
        c.presences.clear()
        c.roster_pushes.clear()
        c.stanzas.clear()
