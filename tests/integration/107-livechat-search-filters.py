# Staff search filters (docs/protocol.md "Staff search"; XEP-0313 §4.1.1 form fields `with`,
# `start`, `end` with XEP-0082 DateTimes, and the service's own `{urn:xmppd:livechat:0}tag` and
# `{urn:xmppd:livechat:0}channel`). Two conversations in `general`: the first tagged "ekologia"
# with a note, the second tagged "mieszkanie". The form (XEP-0313 §4.1.1 "Retrieving the form")
# lists every field, for staff only. A tag finds its conversation's records (with or without
# words) and, once removed (!untag), none; channel `web` finds all, `facebook` none, another value
# is bad-request; `start`/`end` split the two conversations at the second one's first record, and
# a date that is not XEP-0082 is bad-request; `with` a room JID finds that conversation's messages,
# room/Visitor the visitor's only, a consultant's JID the notes and tags she wrote; filters combine.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from mam_util import query
from slixmpp.exceptions import IqError
from xmpp_clients import run

ANNA = "anna@" + h.DOMAIN
TAG = "{urn:xmppd:livechat:0}tag"
CHANNEL = "{urn:xmppd:livechat:0}channel"


def search(c, **fields):
    """[(kind, conversation, body, stamp)] of a staff search with these form fields."""
    names = {"tag": TAG, "channel": CHANNEL, "text": lc.FULLTEXT, "queue": lc.QUEUE_FIELD}
    results, fin = run(query(c, lc.CHAT, {names.get(k, k): v for k, v in fields.items()}, max="100"))
    out = []
    for r in results:
        found = r.xml.find("{%s}found" % lc.NS)
        delay = r.xml.find(".//{urn:xmpp:delay}delay")
        out.append((found.get("kind"), found.get("conversation"), r["mam_result"]["forwarded"]["stanza"]["body"],
                    delay.get("stamp")))
    assert fin["rsm"]["count"] == str(len(out)), (fin, out)
    return out


def refusal(c, **fields):
    try:
        search(c, **fields)
    except IqError as e:
        return e.iq["error"]["condition"], e.iq["error"]["text"]
    raise AssertionError("the search with %s succeeded" % fields)


def conversation(server, anna, topic, words, tag, note=None):
    v = run(lc.visitor(server))
    joined = run(lc.join(v, topic))
    room = joined["room"]
    assert run(lc.offer(anna))[0] == room
    run(m.join(anna, room, "Anna"))
    for w in words:
        lc.say(v, room, w)
    run(lc.room_message(anna, room, words[-1]))
    lc.say(anna, room, "Odpowiedź konsultantki")
    run(lc.room_message(v, room, "Odpowiedź konsultantki"))
    lc.say(anna, room, "!tag " + tag)
    run(lc.service_reply(anna, room, "Tagged: " + tag))
    if note:
        lc.say(anna, room, "!note " + note)
        run(lc.service_reply(anna, room, "Note kept"))
    return v, room, joined["conversation"]


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=lc.SEARCH_PLUGINS))
        v1, room1, c1 = conversation(server, anna, "Fotowoltaika", ["Kredyt na fotowoltaikę", "Dla firmy"],
                                     "ekologia", "Oddzwonić jutro")
        run(lc.wait_searchable(anna, "jutro", 1))
        v2, room2, c2 = conversation(server, anna, "Mieszkanie", ["Kredyt mieszkaniowy"], "mieszkanie")
        run(lc.wait_searchable(anna, "mieszkanie", 1))  # the tag, archived after the messages

        # XEP-0313 §4.1.1: the form lists the standard fields, XEP-0431's and ours.
        result = run(anna.raw_iq("get", lc.CHAT, "<query xmlns='urn:xmpp:mam:2'/>").send(timeout=10))
        form = result.xml.find("{urn:xmpp:mam:2}query/{jabber:x:data}x")
        fields = {f.get("var"): f.get("type") for f in form.findall("{jabber:x:data}field")}
        assert fields == {"FORM_TYPE": "hidden", "with": "jid-single", "start": "text-single",
                          "end": "text-single", lc.FULLTEXT: "text-single", lc.QUEUE_FIELD: "text-single",
                          TAG: "text-single", CHANNEL: "list-single"}, fields
        options = [o.findtext("{jabber:x:data}value") for f in form.findall("{jabber:x:data}field")
                   if f.get("var") == CHANNEL for o in f.findall("{jabber:x:data}option")]
        assert options == ["web", "facebook", "email"], options

        everything = search(anna)
        assert {c for _, c, _, _ in everything} == {c1, c2}, everything
        # A tag: the records of the conversations tagged so now, alone or with words.
        tagged = search(anna, tag="ekologia")
        assert {c for _, c, _, _ in tagged} == {c1}, tagged
        assert sorted(k for k, _, _, _ in tagged) == ["message", "message", "message", "note", "tag"], tagged
        assert [(k, c) for k, c, _, _ in search(anna, text="kredyt", tag="mieszkanie")] == [("message", c2)]
        assert search(anna, text="kredyt", tag="nieznany") == []
        # The channel of the conversations (web); a value outside the form's options is refused.
        assert len(search(anna, channel="web")) == len(everything)
        assert search(anna, channel="facebook") == []
        assert refusal(anna, channel="fax")[0] == "bad-request"
        # start / end (XEP-0082): the second conversation begins with its first record.
        first2 = min(s for _, c, _, s in everything if c == c2)
        last1 = max(s for _, c, _, s in everything if c == c1)
        assert {c for _, c, _, _ in search(anna, start=first2)} == {c2}
        assert {c for _, c, _, _ in search(anna, end=last1)} == {c1}
        assert search(anna, start=first2, end=last1) == []
        assert [b for _, _, b, _ in search(anna, text="kredyt", start=first2)] == ["Kredyt mieszkaniowy"]
        assert refusal(anna, start="wczoraj")[0] == "bad-request"
        # with: a room's messages, one occupant's, a consultant's notes and tags.
        assert [b for _, _, b, _ in search(anna, **{"with": room1})] == ["Kredyt na fotowoltaikę", "Dla firmy",
                                                                          "Odpowiedź konsultantki"]
        assert [b for _, _, b, _ in search(anna, **{"with": room1 + "/Visitor"})] == ["Kredyt na fotowoltaikę",
                                                                                       "Dla firmy"]
        assert [(k, b) for k, _, b, _ in search(anna, **{"with": ANNA})] == [
            ("tag", "tag: ekologia"), ("note", "Oddzwonić jutro"), ("tag", "tag: mieszkanie")]
        assert [(k, c) for k, c, _, _ in search(anna, text="kredyt", **{"with": room2})] == [("message", c2)]
        assert refusal(anna, **{"with": "not a jid@@"})[0] == "bad-request"

        # A removed tag no longer finds its conversation.
        lc.say(anna, room1, "!untag ekologia")
        run(lc.service_reply(anna, room1, "Tag removed: ekologia"))
        assert search(anna, tag="ekologia") == []
        assert {c for _, c, _, _ in search(anna, tag="mieszkanie")} == {c2}

        # A visitor gets neither the form nor results.
        try:
            run(v1.raw_iq("get", lc.CHAT, "<query xmlns='urn:xmpp:mam:2'/>").send(timeout=10))
            raise AssertionError("a visitor read the staff search form")
        except IqError as e:
            assert e.iq["error"]["condition"] == "forbidden"


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "mam"))
