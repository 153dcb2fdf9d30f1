"""Helpers for the livechat scenarios (90-99, modules/livechat, docs/protocol.md): a server with
queues on chat.localhost, anonymous visitors that join with the XEP-0004 form and rejoin by
token, consultants as plain slixmpp clients (the "unmodified XMPP client" path: presence to
chat.localhost makes them available, joining the offered room accepts), and a reader of the
service's stored rows on either backend. Every wait is bounded."""
import asyncio
import os
import re
import sqlite3
import subprocess

import muc_util as m
import xmppd_harness as h
from xmpp_clients import Client

CHAT = "chat." + h.DOMAIN
NS = "urn:xmppd:livechat:0"
CONFERENCE = "{jabber:x:conference}x"
PLUGINS = m.PLUGINS + ("xep_0060",)
# Staff search is a XEP-0313 query with RSM (XEP-0059), sent with slixmpp's own plugins.
SEARCH_PLUGINS = PLUGINS + ("xep_0059", "xep_0313")
FULLTEXT = "{urn:xmpp:fulltext:0}fulltext"
QUEUE_FIELD = "{urn:xmppd:livechat:0}queue"


def toml_list(items):
    return "[%s]" % ", ".join('"%s"' % i for i in items)


def server(queues, max_chats=3, hours=(), closures=(), options="", **kwargs):
    """queues: entries as in docs/configuration.md, "name | description | members | timeout |
    routing | recipients"; hours and closures: the options of the same names; options: more
    TOML lines for the livechat module."""
    extra = '\n[hosts."%s".module.livechat]\nqueues = %s\nmax_chats = %d\n' % (CHAT, toml_list(queues), max_chats)
    if hours:
        extra += "hours = %s\n" % toml_list(hours)
    if closures:
        extra += "closures = %s\n" % toml_list(closures)
    extra += options
    return h.Server(channel_binding=False, extra_config=extra, **kwargs)


async def visitor(srv, plugins=PLUGINS):
    return await Client(h.GUEST, "", mechanism="ANONYMOUS", plugins=plugins).login(srv.ports["c2s"])


async def consultant(srv, user, password, new=True, plugins=PLUGINS):
    jid = srv.adduser(user, password) if new else "%s@%s" % (user, h.DOMAIN)
    c = await Client(jid, password, plugins=plugins).login(srv.ports["c2s"])
    available(c)
    await c.sync()
    return c


def available(c):
    # RFC 6121 §4.6 directed presence: the service counts this resource as available.
    c.send_presence(pto=CHAT)


def join_form(topic, name="", version="2026-01", acknowledged=True, email=""):
    fields = [("FORM_TYPE", NS + "#join"), ("topic", topic), ("notice_version", version),
              ("notice_acknowledged", "true" if acknowledged else "false")]
    if name:
        fields.append(("name", name))
    if email:
        fields.append(("email", email))
    body = "".join("<field var='%s'><value>%s</value></field>" % (k, v) for k, v in fields)
    return "<x xmlns='jabber:x:data' type='submit'>%s</x>" % body


async def join(v, topic, queue="general", **kwargs):
    """The visitor joins a queue; returns the <joined/> attributes (conversation, token, room, nick)."""
    iq = v.raw_iq("set", CHAT, "<join xmlns='%s' queue='%s'>%s</join>" % (NS, queue, join_form(topic, **kwargs)))
    result = await iq.send(timeout=10)
    joined = result.xml.find("{%s}joined" % NS)
    assert joined is not None, result
    return dict(joined.attrib)


async def rejoin(v, token):
    result = await v.raw_iq("set", CHAT, "<rejoin xmlns='%s' token='%s'/>" % (NS, token)).send(timeout=10)
    return dict(result.xml.find("{%s}joined" % NS).attrib)


def is_offer(st):
    return st.name == "message" and str(st["from"]) == CHAT and st.xml.find(CONFERENCE) is not None


async def offer(c, describe="an offer", timeout=15):
    """The next offer (XEP-0249 invitation from chat.localhost); returns (room, body)."""
    st = await m.next_message(c, lambda s: is_offer(s), describe, timeout)
    return st.xml.find(CONFERENCE).get("jid"), st["body"]


def offers_now(c):
    return m.messages_now(c, is_offer)


async def room_message(c, room, body, timeout=10):
    """A groupchat message in `room` with exactly `body`."""
    return await m.next_message(c, lambda s: s["type"] == "groupchat" and s["from"].bare == room and
                                s["body"] == body, "'%s' in %s" % (body, room), timeout)


async def service_reply(c, room, text, timeout=10):
    """The service's private answer to a command: from the room itself (no nick), to this client."""
    return await m.next_message(c, lambda s: str(s["from"]) == room and text in s["body"],
                                "the service's answer '%s'" % text, timeout)


def say(c, room, body):
    c.send_message(mto=room, mbody=body, mtype="groupchat")


def bodies(c):
    return [s["body"] for s in c.stanzas.items if s.name == "message"]


def rows(srv, sql, params=()):
    """Rows of the service's tables, read from the database the server uses."""
    if srv.backend == "sqlite":
        db = sqlite3.connect(os.path.join(srv.dir, "xmppd.sqlite"))
        try:
            return [tuple(r) for r in db.execute(sql, params).fetchall()]
        finally:
            db.close()
    text = open(srv.config).read()
    name = re.search(r'mariadb_database = "([^"]+)"', text).group(1)
    settings = h._mariadb_settings()
    for p in params:  # the mariadb CLI takes no parameters; our values are ids we made
        assert re.fullmatch(r"[0-9a-z@.\-]+", p), p
        sql = sql.replace("?", "'%s'" % p, 1)
    args = ["mariadb", "-N", "-B", "-h", settings.get("host", "127.0.0.1"), "-P", settings.get("port", "3306"),
            "-u", settings.get("user", "root"), name, "-e", sql]
    env = dict(os.environ)
    if settings.get("password"):
        env["MYSQL_PWD"] = settings["password"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


def kill(srv):
    """SIGKILL: no shutdown, nothing flushed that was not already committed."""
    srv.proc.kill()
    srv.proc.wait()
    srv.proc = None


async def lost(*clients):
    for c in clients:
        await asyncio.wait_for(c.lost.wait(), 10)


def wait_rows(srv, sql, params=(), pred=bool, timeout=10):
    """Reads until `pred(rows)` holds (bounded): for what the server writes after it has answered."""
    import time
    deadline = time.time() + timeout
    while True:
        got = rows(srv, sql, params)
        if pred(got):
            return got
        if time.time() > deadline:
            raise AssertionError("rows of %s never matched: %s" % (sql, got))
        time.sleep(0.05)


def form(form_type, **fields):
    """A XEP-0004 submit form (§3.4) of `form_type` with the notice acknowledged unless given."""
    fields.setdefault("notice_version", "2026-01")
    fields.setdefault("notice_acknowledged", "true")
    body = "<field var='FORM_TYPE'><value>%s</value></field>" % form_type
    for k, v in fields.items():
        body += "<field var='%s'><value>%s</value></field>" % (k, xml_escape(v))
    return "<x xmlns='jabber:x:data' type='submit'>%s</x>" % body


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def ticket_iq(v, queue="general", **fields):
    return v.raw_iq("set", CHAT, "<ticket xmlns='%s' queue='%s'>%s</ticket>" % (NS, queue, form(NS + "#ticket", **fields)))


def callback_iq(v, queue="general", **fields):
    return v.raw_iq("set", CHAT, "<callback xmlns='%s' queue='%s'>%s</callback>"
                    % (NS, queue, form(NS + "#callback", **fields)))


async def send(iq, name):
    """Sends an IQ that must succeed; returns the attributes of its <name/> answer."""
    result = await iq.send(timeout=10)
    e = result.xml.find("{%s}%s" % (NS, name))
    assert e is not None, result
    return e


async def error_of(iq):
    """(condition, text) of an IQ that must fail (RFC 6120 §8.3)."""
    from slixmpp.exceptions import IqError
    try:
        await iq.send(timeout=10)
    except IqError as e:
        # Read from the XML: slixmpp does not know every RFC 6120 §8.3.3 condition
        # (policy-violation).
        error = e.iq.xml.find("{jabber:client}error")
        conditions = [c.tag.split("}")[1] for c in error
                      if c.tag.startswith("{urn:ietf:params:xml:ns:xmpp-stanzas}") and not c.tag.endswith("}text")]
        return (conditions[0] if conditions else ""), e.iq["error"]["text"]
    raise AssertionError("the IQ succeeded; an error was expected")


async def queues(c):
    """The <queue/> attributes of a <queues/> query, by name."""
    e = await send(c.raw_iq("get", CHAT, "<queues xmlns='%s'/>" % NS), "queues")
    return {q.get("name"): dict(q.attrib) for q in e.findall("{%s}queue" % NS)}


async def slots(c, queue):
    e = await send(c.raw_iq("get", CHAT, "<slots xmlns='%s' queue='%s'/>" % (NS, queue)), "slots")
    return [(s.get("start"), s.get("end")) for s in e.findall("{%s}slot" % NS)]


async def staff(c, payload_xml, itype="set"):
    """A staff IQ to chat.localhost (tickets, callbacks and their actions)."""
    return await c.raw_iq(itype, CHAT, payload_xml).send(timeout=10)


def warsaw_dates(offset_days=0):
    """The local date in Europe/Warsaw, `offset_days` from today, as YYYY-MM-DD."""
    import datetime
    import zoneinfo
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Warsaw")).date()
    return (today + datetime.timedelta(days=offset_days)).isoformat()


def warsaw_midnight(date):
    """RFC 3339 local midnight of `date` in Europe/Warsaw, as the service writes it."""
    import datetime
    import zoneinfo
    d = datetime.datetime.fromisoformat(date).replace(tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    return d.isoformat()


def instant(rfc3339):
    import datetime
    return datetime.datetime.fromisoformat(rfc3339).timestamp()


async def search(c, text=None, queue=None, **rsm):
    """Staff search (docs/protocol.md "Staff search"): a XEP-0313 query to chat.localhost with the
    XEP-0431 field; returns ([(kind, conversation, client, body)], fin). Raises IqError when refused."""
    from mam_util import query
    fields = {}
    if text is not None:
        fields[FULLTEXT] = text
    if queue is not None:
        fields[QUEUE_FIELD] = queue
    results, fin = await query(c, CHAT, fields, **rsm)
    found = []
    for r in results:
        f = r.xml.find("{%s}found" % NS)
        stanza = r["mam_result"]["forwarded"]["stanza"]
        found.append((f.get("kind"), f.get("conversation"), f.get("client"), stanza["body"]))
    return found, fin


async def search_refusal(c, text):
    """The error condition of a search that must be refused."""
    from slixmpp.exceptions import IqError
    try:
        await search(c, text)
    except IqError as e:
        return e.iq["error"]["condition"]
    raise AssertionError("%s could search" % c.boundjid)


async def client_history(c, client_id):
    """<client id/> (docs/protocol.md "Client history"): the <client/> element."""
    result = await c.raw_iq("get", CHAT, "<client xmlns='%s' id='%s'/>" % (NS, client_id)).send(timeout=10)
    return result.xml.find("{%s}client" % NS)


async def wait_searchable(c, text, n, **kw):
    """Until a search for `text` finds n records (the archive commits after delivery)."""
    while True:
        found, _ = await search(c, text, **kw)
        if len(found) >= n:
            return found
        await asyncio.sleep(0.05)


async def search_refusal_queue(c, text, queue):
    """The error condition of a search filtered on `queue` that must be refused."""
    from slixmpp.exceptions import IqError
    try:
        await search(c, text, queue=queue)
    except IqError as e:
        return e.iq["error"]["condition"]
    raise AssertionError("%s could search queue %s" % (c.boundjid, queue))


# Hand-offs (docs/protocol.md "Hand-offs"): agent status, pick, transfer, invite, silent join.
async def handoff(c, payload_xml, name, itype="set"):
    """A hand-off IQ that must succeed; returns its <name/> answer (or the IQ when it has none)."""
    result = await c.raw_iq(itype, CHAT, payload_xml).send(timeout=10)
    e = result.xml.find("{%s}%s" % (NS, name))
    return result if e is None else e


def tell_service(c, body):
    """A body to chat.localhost, as any client sends it (!status, !pick, !accept)."""
    c.send_message(mto=CHAT, mbody=body, mtype="chat")


async def service_says(c, text, timeout=10):
    """The service's answer from chat.localhost containing `text`."""
    return await m.next_message(c, lambda s: str(s["from"]) == CHAT and text in (s["body"] or ""),
                                "chat.localhost saying '%s'" % text, timeout)


async def invitation(c, room, timeout=10):
    """A XEP-0249 invitation to `room` (from the service or the room)."""
    return await m.next_message(c, lambda s: s.xml.find(CONFERENCE) is not None and
                                s.xml.find(CONFERENCE).get("jid") == room, "an invitation to " + room, timeout)
