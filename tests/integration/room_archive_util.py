"""Helpers for the room archive scenarios (76-79): XEP-0313 queries addressed to a room's bare
JID with slixmpp's own MAM and RSM stanzas (as 75 does for accounts), and a bounded wait until
the archive holds what was sent (a groupchat message is delivered before its record is
committed: the router never waits for the database)."""
import asyncio

from slixmpp.exceptions import IqError

import muc_util as m
from mam_util import query  # the scenarios call it as ra.query too

NS_MAM = "urn:xmpp:mam:2"
FULLTEXT = "{urn:xmpp:fulltext:0}fulltext"
MUC_USER = "{http://jabber.org/protocol/muc#user}"
PLUGINS = m.PLUGINS + ("xep_0059", "xep_0313")


async def login(server, user, password):
    from xmpp_clients import Client
    return await Client(server.adduser(user, password), password, plugins=PLUGINS).login(server.ports["c2s"])


async def relogin(server, user, password):
    from xmpp_clients import Client
    import xmppd_harness as h
    return await Client("%s@%s" % (user, h.DOMAIN), password, plugins=PLUGINS).login(server.ports["c2s"])


async def refusal(client, room, **kwargs):
    """The error condition of a query that must be refused."""
    try:
        await query(client, room, **kwargs)
    except IqError as e:
        return e.iq["error"]["condition"]
    raise AssertionError("%s could read the archive of %s" % (client.boundjid, room))


async def count(client, room, fields=None):
    _, fin = await query(client, room, fields, max="0")
    return int(fin["rsm"]["count"])


async def wait_archived(client, room, n):
    """Until the room's archive holds n records (bounded by run()'s timeout)."""
    while await count(client, room) < n:
        await asyncio.sleep(0.05)


def forwarded(result):
    return result["mam_result"]["forwarded"]["stanza"]


def bodies(results):
    return [forwarded(r)["body"] for r in results]


def ids(results):
    return [r["mam_result"]["id"] for r in results]


def complete(fin):
    return fin.xml.get("complete") == "true"  # XEP-0313 §4.3


def real_jid(result):
    """The sender's real JID the archive shows (muc#user item jid), or None."""
    x = forwarded(result).xml.find(MUC_USER + "x")
    item = None if x is None else x.find(MUC_USER + "item")
    return None if item is None else item.get("jid")


async def say(client, room, bodies_to_send):
    """Sends groupchat messages and waits for each to come back from the room; returns the
    XEP-0359 stanza ids the room gave them."""
    out = []
    for body in bodies_to_send:
        client.send_message(mto=room, mbody=body, mtype="groupchat")
        echo = await m.next_message(client, pred=lambda st, b=body: st["body"] == b and st["type"] == "groupchat",
                                    describe="the room's echo of " + body)
        sid = m.stanza_id(echo)
        assert sid and sid[1] == room, "XEP-0359 stanza-id by the room: %s" % echo
        out.append(sid[0])
    return out
