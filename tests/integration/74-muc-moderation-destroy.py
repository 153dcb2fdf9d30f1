# XEP-0045 moderation and the end of a room, with slixmpp: a ban removes the user (§9.1, 301)
# and keeps it out (§7.2.8 forbidden); in a moderated room a newcomer is a visitor without voice
# (§7.4 forbidden) until the moderator grants it (§8.3); an admin cannot ban the owner (§9.1);
# XEP-0410 self-ping is answered while joined and refused (not-acceptable) after leaving; the
# service lists public rooms (§6.3) but not hidden ones; the owner destroys the room (§10.9) and
# the occupants are told with the reason and the alternate room.
import xmppd_harness as h
import muc_util as m
from slixmpp.exceptions import IqError
from xmpp_clients import run


async def iq_condition(coro):
    try:
        await coro
    except IqError as e:
        return e.iq["error"]["condition"]
    return "result"


async def listed(client):
    items = await client["xep_0030"].get_items(jid=m.ROOMS, timeout=5)
    return {str(i[0]) for i in items["disco_items"]["items"]}


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(m.login(server, "alice", "alice-Pass-1"))
        bob = run(m.login(server, "bob", "bob-Pass-2"))
        carol = run(m.login(server, "carol", "carol-Pass-3"))
        room = m.room_jid("moderowany")
        hidden = m.room_jid("ukryty")
        run(m.create_room(alice, room, "Alicja", moderatedroom="1"))
        run(m.create_room(alice, hidden, "Alicja", publicroom="0"))
        rooms = run(listed(bob))
        assert room in rooms and hidden not in rooms, rooms

        own, _, _, _ = run(m.join(bob, room, "Bob"))
        assert m.item(own).get("role") == "visitor", m.item(own).attrib
        bob.send_message(mto=room, mbody="Czy mnie słychać?", mtype="groupchat")
        assert run(m.next_error(bob, describe="voiceless"))["error"]["condition"] == "forbidden"
        run(alice["xep_0045"].set_role(room, "Bob", "participant"))
        voiced = run(m.next_presence(bob, pred=lambda p: m.from_room(room, "Bob")(p) and m.item(p).get("role") == "participant"))
        assert 110 in m.status_codes(voiced)
        bob.send_message(mto=room, mbody="Teraz słychać.", mtype="groupchat")
        run(m.next_message(alice, pred=lambda msg: msg["body"] == "Teraz słychać."))

        # XEP-0410 self-ping
        ping = bob.raw_iq("get", room + "/Bob", "<ping xmlns='urn:xmpp:ping'/>")
        assert run(iq_condition(ping.send(timeout=5))) == "result"

        # An admin may ban a participant but not the owner.
        run(alice["xep_0045"].set_affiliation(room, "admin", jid=carol.boundjid.bare))
        run(m.join(carol, room, "Karolina"))
        assert run(iq_condition(carol["xep_0045"].set_affiliation(room, "outcast", jid=alice.boundjid.bare))) == "not-allowed"
        run(carol["xep_0045"].set_affiliation(room, "outcast", jid=bob.boundjid.bare, reason="Reklamy"))
        banned = run(m.next_presence(bob, pred=lambda p: m.from_room(room, "Bob")(p) and p["type"] == "unavailable"))
        assert m.status_codes(banned) == {110, 301}, m.status_codes(banned)
        assert m.item(banned).get("affiliation") == "outcast"
        assert run(m.join_error(bob, room, "Bob2")) == "forbidden"
        ping = bob.raw_iq("get", room + "/Bob", "<ping xmlns='urn:xmpp:ping'/>")
        assert run(iq_condition(ping.send(timeout=5))) == "not-acceptable"

        # §10.9 destroy: only the owner; occupants learn why and where to go.
        assert run(iq_condition(carol["xep_0045"].destroy(room, reason="x"))) == "forbidden"
        run(alice["xep_0045"].destroy(room, reason="Sprawa zamknięta", altroom=hidden))
        end = run(m.next_presence(carol, pred=lambda p: m.from_room(room, "Karolina")(p) and p["type"] == "unavailable"))
        destroy = end.xml.find(m.MUC_USER + "x").find(m.MUC_USER + "destroy")
        assert destroy is not None and destroy.get("jid") == hidden, end
        assert destroy.findtext(m.MUC_USER + "reason") == "Sprawa zamknięta"
        assert room not in run(listed(carol))
        info = carol["xep_0030"].get_info(jid=room, timeout=5)
        assert run(iq_condition(info)) == "item-not-found"
        for c in (alice, bob, carol):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc",))
