# A conversation of three users in a room, with slixmpp: every groupchat message reaches every
# occupant once, in order, from room/nick, with the same XEP-0359 stanza-id by the room (§7.4);
# the subject set by the moderator (§8.1); a private message through the room (§7.5); a
# latecomer gets the history it asks for (§7.2.15: maxstanzas, with XEP-0203 delay from the room)
# and then the subject (§7.2.16); with private messages switched off (muc#roomconfig_allowpm)
# a private message is refused; a muc#user element an occupant forges is dropped.
import xml.etree.ElementTree as ET

import xmppd_harness as h
import muc_util as m
from xmpp_clients import run

LINES = [("Alicja", "Dzień dobry, w czym mogę pomóc?"),
         ("Bob", "Pytam o dotację na fotowoltaikę."),
         ("Cezary", "Ja też, dla firmy w Sieradzu."),
         ("Alicja", "Nabór rusza w marcu; wyślę szczegóły."),
         ("Bob", "Dziękuję — zażółć gęślą jaźń!")]


def groupchat(room):
    return lambda msg: msg["type"] == "groupchat" and msg["body"] and str(msg["from"]).startswith(room + "/")


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(m.login(server, "alice", "alice-Pass-1"))
        bob = run(m.login(server, "bob", "bob-Pass-2"))
        cezary = run(m.login(server, "cezary", "cezary-Pass-3"))
        room = m.room_jid("rozmowa")
        run(m.create_room(alice, room, "Alicja"))
        run(m.join(bob, room, "Bob"))
        run(m.join(cezary, room, "Cezary"))
        clients = {"Alicja": alice, "Bob": bob, "Cezary": cezary}
        for c in clients.values():
            c.stanzas.clear()

        alice["xep_0045"].set_subject(room, "Dotacje 2026")
        for c in clients.values():
            s = run(m.next_message(c, pred=lambda msg: msg["subject"] == "Dotacje 2026"))
            assert str(s["from"]) == room + "/Alicja", s

        # Each line reaches everyone (the sender too) as the next groupchat message, in order,
        # from the sender's occupant JID.
        for nick, text in LINES:
            clients[nick].send_message(mto=room, mbody=text, mtype="groupchat")
            for c in clients.values():
                msg = run(m.next_message(c, pred=groupchat(room)))
                assert (msg["from"].resource, msg["body"]) == (nick, text), (c.boundjid, msg)
        for c in clients.values():
            run(c.sync())
            assert not m.messages_now(c, groupchat(room)), "a copy arrived twice"
        # Read the conversation again through a fresh client: history on join, last 3 messages.
        dorota = run(m.login(server, "dorota", "dorota-Pass-4"))
        own, subject, occupants, history = run(m.join(dorota, room, "Dorota", maxstanzas=3))
        assert subject["subject"] == "Dotacje 2026", subject
        assert {str(p["from"]) for p in occupants} - {room + "/Dorota"} == {room + "/" + n for n in clients}, occupants
        assert [(msg["from"].resource, msg["body"]) for msg in history] == LINES[-3:], \
            [(msg["from"].resource, msg["body"]) for msg in history]
        for msg in history:
            delay = msg.xml.find("{urn:xmpp:delay}delay")
            assert delay is not None and delay.get("from") == room and delay.get("stamp"), msg
            assert m.stanza_id(msg)[1] == room

        # Live messages: each occupant gets each once, with one stanza-id shared by all copies.
        alice.stanzas.clear(), bob.stanzas.clear(), cezary.stanzas.clear(), dorota.stanzas.clear()
        bob.send_message(mto=room, mbody="Ostatnie pytanie: termin?", mtype="groupchat")
        seen_ids = set()
        for c in (alice, bob, cezary, dorota):
            msg = run(m.next_message(c, pred=groupchat(room)))
            assert msg["body"] == "Ostatnie pytanie: termin?" and str(msg["from"]) == room + "/Bob", msg
            sid, by = m.stanza_id(msg)
            assert by == room and sid, msg
            seen_ids.add(sid)
            run(c.sync())
            assert not m.messages_now(c, groupchat(room)), "a copy arrived twice"
        assert len(seen_ids) == 1, seen_ids

        # A muc#user <x/> written by an occupant is not passed on: otherwise anyone could claim
        # a real JID (XEP-0045 §7.2.4 gives real JIDs only as the room sees fit) to the others.
        forged = bob.make_message(mto=room, mbody="Jestem konsultantem", mtype="groupchat")
        x = ET.SubElement(forged.xml, "{http://jabber.org/protocol/muc#user}x")
        ET.SubElement(x, "{http://jabber.org/protocol/muc#user}item", jid="boss@localhost", role="moderator")
        forged.send()
        for c in (alice, cezary):
            msg = run(m.next_message(c, pred=lambda msg: msg["body"] == "Jestem konsultantem"))
            assert msg.xml.find("{http://jabber.org/protocol/muc#user}x") is None, msg
            assert str(msg["from"]) == room + "/Bob", msg

        # §7.5 private message through the room: from the sender's occupant JID.
        cezary.send_message(mto=room + "/Alicja", mbody="Czy mogę zadzwonić?", mtype="chat")
        pm = run(m.next_message(alice, pred=lambda msg: msg["body"] == "Czy mogę zadzwonić?"))
        assert str(pm["from"]) == room + "/Cezary" and pm["type"] == "chat", pm
        run(bob.sync())
        assert not m.messages_now(bob, lambda msg: msg["body"] == "Czy mogę zadzwonić?")

        # muc#roomconfig_allowpm = none: private messages are refused.
        form = run(alice["xep_0045"].get_room_config(room))
        submit = alice["xep_0004"].make_form(ftype="submit")
        submit.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
        submit.add_field(var="muc#roomconfig_allowpm", value="none")
        assert "muc#roomconfig_allowpm" in m.form_vars(form)
        run(alice["xep_0045"].set_room_config(room, submit))
        change = run(m.next_message(bob, pred=lambda msg: 104 in m.status_codes(msg)))  # §10.2.1
        assert str(change["from"]) == room
        cezary.send_message(mto=room + "/Alicja", mbody="Jeszcze jedno?", mtype="chat")
        err = run(m.next_error(cezary, describe="refused private message"))
        assert err["error"]["condition"] == "forbidden", err
        for c in (alice, bob, cezary, dorota):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc",))
