"""Helpers for the XEP-0045 scenarios (70-74): slixmpp clients with the MUC plugins, room
creation as a MUC client does it (join, then accept or submit the configuration form, §10.1),
and readers for muc#user status codes. Every wait is bounded."""
import xml.etree.ElementTree as ET

from slixmpp.exceptions import PresenceError

import xmppd_harness as h
from xmpp_clients import Client

ROOMS = "conference." + h.DOMAIN
MUC_USER = "{http://jabber.org/protocol/muc#user}"
PLUGINS = ("xep_0030", "xep_0199", "xep_0045", "xep_0249", "xep_0359", "xep_0203", "xep_0004")


def room_jid(name):
    return "%s@%s" % (name, ROOMS)


async def login(server, user, password):
    return await Client(server.adduser(user, password), password, plugins=PLUGINS).login(server.ports["c2s"])


async def relogin(server, user, password):
    """Logs in an account made earlier (after a restart)."""
    jid = "%s@%s" % (user, h.DOMAIN)
    return await Client(jid, password, plugins=PLUGINS).login(server.ports["c2s"])


# slixmpp raises its "message" event only for messages with a body, so subjects, invitations
# and status messages are read from the client's record of every stanza.
async def next_message(client, pred=lambda _: True, describe="", timeout=10):
    return await client.stanzas.get(lambda st: st.name == "message" and st["type"] != "error" and pred(st),
                                    timeout, describe)


async def next_presence(client, pred=lambda _: True, describe="", timeout=10):
    return await client.stanzas.get(lambda st: st.name == "presence" and pred(st), timeout, describe)


async def next_error(client, describe="", timeout=10):
    return await client.stanzas.get(lambda st: st.name == "message" and st["type"] == "error", timeout, describe)


def messages_now(client, pred=lambda _: True):
    return client.stanzas.find(lambda st: st.name == "message" and st["type"] != "error" and pred(st))


def status_codes(stanza):
    x = stanza.xml.find(MUC_USER + "x")
    return set() if x is None else {int(s.get("code")) for s in x.findall(MUC_USER + "status")}


def item(stanza):
    x = stanza.xml.find(MUC_USER + "x")
    return None if x is None else x.find(MUC_USER + "item")


async def join(client, room, nick, **kwargs):
    """join_muc_wait (slixmpp: occupants, own presence, history, subject); returns its tuple."""
    return await client["xep_0045"].join_muc_wait(room, nick, timeout=10, **kwargs)


async def join_error(client, room, nick, **kwargs):
    """A join that must be refused: returns the error condition (XEP-0045 §7.2)."""
    try:
        await join(client, room, nick, **kwargs)
    except PresenceError as e:
        return e.presence["error"]["condition"]
    raise AssertionError("%s could join %s as %s" % (client.boundjid, room, nick))


def form_vars(form):
    fields = form["fields"]
    return {f["var"] for f in (fields.values() if hasattr(fields, "values") else fields)}


async def create_room(client, room, nick, **config):
    """§10.1: the first join creates a locked room (status 201); the owner fetches the form,
    sets `config` (muc#roomconfig_* fields without the prefix) and submits it."""
    own, _subject, _occupants, _history = await join(client, room, nick)
    assert status_codes(own) >= {110, 201}, status_codes(own)
    offered = form_vars(await client["xep_0045"].get_room_config(room))
    values = {}
    for key, value in config.items():
        var = key if key.startswith("muc#") else "muc#roomconfig_" + key
        assert var in offered, "the form has no field %s: %s" % (var, offered)
        values[var] = value
    submit = client["xep_0004"].make_form(ftype="submit")
    submit.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
    for var, value in values.items():
        submit.add_field(var=var, value=value)
    await client["xep_0045"].set_room_config(room, submit)
    return own


def leave(client, room, nick, status=None):
    """RFC 6121 unavailable presence to the occupant JID (§7.14). slixmpp 1.8's leave_muc sends
    an available presence (pshow='unavailable' is not a show value), so it is written here."""
    client.send_presence(pto="%s/%s" % (room, nick), ptype="unavailable", pstatus=status)
    client["xep_0045"].rooms.pop(room, None)


def from_room(room, nick=None):
    want = room if nick is None else "%s/%s" % (room, nick)
    return lambda st: str(st["from"]) == want


def stanza_id(msg):
    sid = msg.xml.find("{urn:xmpp:sid:0}stanza-id")
    return None if sid is None else (sid.get("id"), sid.get("by"))


def raw(xml):
    return ET.fromstring(xml)
