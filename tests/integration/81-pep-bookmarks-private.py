# XEP-0402 bookmarks (urn:xmpp:bookmarks:1: one item per room, whitelist, max_items "max") and
# XEP-0223 private data via PEP, stored through slixmpp's xep_0060 and xep_0223 plugins: the
# publish-options of XEP-0402 §3 are accepted (XEP-0060 §7.1.5), another resource of the user
# is notified (XEP-0163 §4.3), a retraction is notified (XEP-0402 §5.3), a contact cannot read
# them (whitelist), and everything is still there after a restart of the server.
# backends: sqlite mariadb
import xml.etree.ElementTree as ET

import xmppd_harness as h
from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004.stanza import Form
from xmpp_clients import Client, Inbox, befriend, run

PLUGINS = ("xep_0030", "xep_0199", "xep_0115", "xep_0060", "xep_0163", "xep_0223")
NS = "urn:xmpp:bookmarks:1"


def login(server, jid, password, resource):
    c = Client(jid + "/" + resource, password, plugins=PLUGINS)
    c.events = Inbox("pubsub notification")
    c.add_event_handler("pubsub_publish", c.events.put)
    c.add_event_handler("pubsub_retract", c.events.put)
    run(c.login(server.ports["c2s"], get_roster=True))
    # XEP-0402 §4: a client that wants bookmark notifications says so with +notify (XEP-0163
    # §4.2), in its caps.
    c["xep_0030"].add_feature(NS + "+notify")
    wait_caps_known(c)
    return c


def wait_caps_known(c):
    """Returns once the server knows the client's XEP-0115 caps, so that filtered notifications
    (XEP-0163 §4.2) reach it: the client publishes an item on a node of its own, then announces
    interest in it, and the server sends that node's last item as soon as it has learned the new
    caps (XEP-0163 §4.3.3, §4.3.4)."""
    marker = "urn:example:caps-ready"
    run(c["xep_0060"].publish(None, marker, id="ready", payload=ET.fromstring("<ready xmlns='%s'/>" % marker)))
    c["xep_0030"].add_feature(marker + "+notify")
    run(c["xep_0115"].update_caps())
    run(c.events.get(lambda m: m["from"].bare == c.boundjid.bare and
                     m["pubsub_event"]["items"]["node"] == marker, describe="the caps marker"))


def bookmark_options():
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    form.add_field(var="pubsub#persist_items", value="true")
    form.add_field(var="pubsub#max_items", value="max")
    form.add_field(var="pubsub#send_last_published_item", value="never")
    form.add_field(var="pubsub#access_model", value="whitelist")
    return form


def conference(name, nick, autojoin):
    return ET.fromstring("<conference xmlns='%s' name='%s' autojoin='%s'><nick>%s</nick></conference>" %
                         (NS, name, "true" if autojoin else "false", nick))


def bookmarks(client):
    items = run(client["xep_0060"].get_items(None, NS))["pubsub"]["items"]
    return {item["id"]: item.xml.find("{%s}conference" % NS) for item in items}


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "secret-a")
        bob_jid = server.adduser("bob", "secret-b")
        desk = login(server, alice_jid, "secret-a", "desk")
        phone = login(server, alice_jid, "secret-a", "phone")
        bob = login(server, bob_jid, "secret-b", "home")
        run(befriend(desk, bob))

        rooms = {"sala-lodz@conference.localhost": ("Konsultanci Łódź", "ala", True),
                 "piotrkow@conference.localhost": ("Piotrków Trybunalski", "alicja", False)}
        for room, (name, nick, autojoin) in rooms.items():
            run(desk["xep_0060"].publish(None, NS, id=room, payload=conference(name, nick, autojoin),
                                         options=bookmark_options()))
        # The other resource of the user is told (XEP-0163 §4.3, XEP-0402 §5.2).
        for room in rooms:
            run(phone.events.get(lambda m: m["pubsub_event"]["items"]["node"] == NS and
                                 m["pubsub_event"]["items"]["item"]["id"] == room, describe=room))

        # XEP-0223 private data via PEP (whitelist, persistent).
        secret = ET.fromstring("<notes xmlns='urn:example:notes'>Notatki: żółć</notes>")
        from slixmpp.xmlstream import ElementBase

        class Notes(ElementBase):
            namespace = "urn:example:notes"
            name = "notes"
        stanza = Notes(xml=secret)
        run(desk["xep_0223"].store(stanza, node="urn:example:notes", id="current"))

        # Whitelist: a contact with a presence subscription still may not read them.
        try:
            run(bob["xep_0060"].get_items(alice_jid, NS))
            raise AssertionError("a contact read whitelisted bookmarks")
        except IqError as e:
            assert e.iq["error"]["condition"] == "not-allowed", e.iq

        # XEP-0402 §5.3: retract one, notified to the other resource.
        run(desk["xep_0060"].retract(None, NS, "piotrkow@conference.localhost", notify=True))
        run(phone.events.get(lambda m: m["pubsub_event"]["items"]["node"] == NS and
                             m["pubsub_event"]["items"]["retract"]["id"] == "piotrkow@conference.localhost",
                             describe="retraction"))
        for c in (desk, phone, bob):
            run(c.close())

        server.restart()
        desk = login(server, alice_jid, "secret-a", "desk")
        marks = bookmarks(desk)
        assert list(marks) == ["sala-lodz@conference.localhost"], marks
        conf = marks["sala-lodz@conference.localhost"]
        assert conf.get("name") == "Konsultanci Łódź" and conf.get("autojoin") == "true", ET.tostring(conf)
        assert conf.findtext("{%s}nick" % NS) == "ala", ET.tostring(conf)
        notes = run(desk["xep_0223"].retrieve("urn:example:notes"))["pubsub"]["items"]
        texts = [i.xml.findtext("{urn:example:notes}notes") for i in notes]
        assert texts == ["Notatki: żółć"], texts
        run(desk.close())


if __name__ == "__main__":
    h.main(test, modules=("pep", "caps"))
