"""Peers for scenarios that mix client libraries: the same role code drives a slixmpp client
(xmpp_clients.Client) or a libstrophe one (libstrophe_pipe.c, a separate process fed stanzas on
its standard input and printing what it receives). Both are seen through one small interface:
send(xml), iq(type, to, payload) -> the result's first child (raises PeerIqError), next(pred)
-> the next received message or presence as an ElementTree element (namespaces as received,
jabber:client for the stanza itself), found(pred) -> what was received and not taken. Every
wait is bounded."""
import asyncio
import itertools
import os
import xml.etree.ElementTree as ET

import xmppd_harness as h
from xmpp_clients import Client, Inbox

CLIENT = "{jabber:client}"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = "{http://jabber.org/protocol/muc#user}"
STROPHE_PIPE = os.path.join(h.BUILD_DIR, "tests", "libstrophe_pipe")
_ids = itertools.count(1)


class PeerIqError(Exception):
    def __init__(self, condition, text):
        super().__init__("%s: %s" % (condition, text))
        self.condition = condition
        self.text = text


def _iq_error(iq):
    error = iq.find(CLIENT + "error")
    conditions = [c.tag.split("}")[1] for c in (error if error is not None else [])
                  if c.tag.startswith("{urn:ietf:params:xml:ns:xmpp-stanzas}") and not c.tag.endswith("}text")]
    text = error.findtext("{urn:ietf:params:xml:ns:xmpp-stanzas}text") if error is not None else ""
    return PeerIqError(conditions[0] if conditions else "", text or "")


def is_stanza(e, name):
    return e.tag == CLIENT + name


class SlixmppPeer:
    """A slixmpp client (Debian's python3-slixmpp) behind the peer interface."""
    library = "slixmpp"

    def __init__(self, client):
        self.client = client
        self.jid = str(client.boundjid)

    @classmethod
    async def login(cls, port, jid, password="", plugins=("xep_0030", "xep_0199")):
        anonymous = "@" not in jid
        c = Client(jid, password, mechanism="ANONYMOUS" if anonymous else None, plugins=plugins)
        await c.login(port)
        return cls(c)

    def send(self, xml):
        self.client.send_raw(xml)

    async def iq(self, itype, to, payload_xml, timeout=20):
        from slixmpp.exceptions import IqError
        try:
            result = await self.client.raw_iq(itype, to, payload_xml).send(timeout=timeout)
        except IqError as e:
            raise _iq_error(e.iq.xml)
        children = list(result.xml)
        return children[0] if children else None

    async def next(self, pred, describe="", timeout=10):
        st = await self.client.stanzas.get(lambda s: pred(s.xml), timeout, describe)
        return st.xml

    def found(self, pred=lambda _: True):
        return [s.xml for s in self.client.stanzas.find(lambda s: pred(s.xml))]

    async def close(self):
        await self.client.close()


class StrophePeer:
    """A libstrophe client (libstrophe_pipe) behind the peer interface."""
    library = "libstrophe"

    def __init__(self, proc):
        self.proc = proc
        self.jid = ""
        self.inbox = Inbox("stanza")
        self.ended = asyncio.Event()
        self.reader = None

    @classmethod
    async def login(cls, port, jid, password=""):
        assert os.path.exists(STROPHE_PIPE), "%s is not built (libstrophe-dev missing?)" % STROPHE_PIPE
        proc = await asyncio.create_subprocess_exec(STROPHE_PIPE, jid, str(port), stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.DEVNULL, limit=1 << 20)
        peer = cls(proc)
        proc.stdin.write((password + "\n").encode())
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        assert line.startswith("connected "), "libstrophe login of %s failed: %r" % (jid or "a visitor", line)
        peer.jid = line.split(" ", 1)[1].strip()
        peer.reader = asyncio.ensure_future(peer._read())
        return peer

    async def _read(self):
        while True:
            line = (await self.proc.stdout.readline()).decode()
            if not line or line.startswith("disconnected"):
                self.ended.set()
                return
            if line.startswith("recv "):
                # The stream's default namespace (jabber:client) is not repeated on each stanza.
                wrapper = ET.fromstring("<w xmlns='jabber:client'>%s</w>" % line[5:].rstrip("\n"))
                self.inbox.put(wrapper[0])

    def send(self, xml):
        self.proc.stdin.write((xml.replace("\n", " ") + "\n").encode())

    async def iq(self, itype, to, payload_xml, timeout=20):
        iq_id = "pipe-%d" % next(_ids)
        self.send("<iq type='%s' to='%s' id='%s'>%s</iq>" % (itype, to, iq_id, payload_xml))
        result = await self.inbox.get(lambda e: is_stanza(e, "iq") and e.get("id") == iq_id, timeout,
                                      "the answer to IQ " + iq_id)
        if result.get("type") == "error":
            raise _iq_error(result)
        children = list(result)
        return children[0] if children else None

    async def next(self, pred, describe="", timeout=10):
        return await self.inbox.get(lambda e: not is_stanza(e, "iq") and pred(e), timeout, describe)

    def found(self, pred=lambda _: True):
        return self.inbox.find(lambda e: not is_stanza(e, "iq") and pred(e))

    async def close(self):
        if self.proc.returncode is None:
            try:
                self.proc.stdin.write(b"quit\n")
                await asyncio.wait_for(self.ended.wait(), 10)
                await asyncio.wait_for(self.proc.wait(), 10)
            except (asyncio.TimeoutError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode


async def login(library, port, jid="", password=""):
    """A peer of `library` ("slixmpp" or "libstrophe"); no local part in `jid`: SASL ANONYMOUS."""
    return await (SlixmppPeer if library == "slixmpp" else StrophePeer).login(port, jid or h.GUEST, password)


# Readers of what a peer received (XEP-0045 presences and messages).
def sender(e):
    return e.get("from", "")


def status_codes(e):
    x = e.find(MUC_USER + "x")
    return set() if x is None else {int(s.get("code")) for s in x.findall(MUC_USER + "status")}


def body(e):
    return e.findtext(CLIENT + "body") or ""


def join_room(peer, room, nick):
    """XEP-0045 §7.2.1 join: presence to room/nick with the muc element."""
    peer.send("<presence to='%s/%s'><x xmlns='%s'/></presence>" % (room, nick, MUC))


def groupchat(peer, room, text):
    peer.send("<message to='%s' type='groupchat'><body>%s</body></message>" % (room, xml_escape(text)))


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
