# XEP-0045 with slixmpp's xep_0045 plugin: room creation and configuration (§10.1.1-§10.1.2,
# statuses 110/201), joining (§7.2.3 occupants first, §7.2.16 subject), a nick taken by another
# user (§7.2.9 conflict), nick change (§7.6, 303), leaving (§7.14) and a kick by the moderator
# (§8.2, 307) after which the kicked user's messages are refused (§7.4 not-acceptable).

import xmppd_harness as h
import muc_util as m
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(m.login(server, "alice", "alice-Pass-1"))
        bob = run(m.login(server, "bob", "bob-Pass-2"))
        carol = run(m.login(server, "carol", "carol-Pass-3"))
        room = m.room_jid("punkt-informacyjny")

        own = run(m.create_room(alice, room, "Alicja", roomname="Punkt informacyjny"))
        assert m.item(own).get("affiliation") == "owner" and m.item(own).get("role") == "moderator"

        own_bob, subject, occupants, _ = run(m.join(bob, room, "Bob"))
        # §7.2.3 (slixmpp lists the joiner among the occupants it saw arrive)
        assert {str(p["from"]) for p in occupants} - {room + "/Bob"} == {room + "/Alicja"}, occupants
        assert m.status_codes(own_bob) == {110}, m.status_codes(own_bob)
        assert m.item(own_bob).get("role") == "participant"
        assert m.item(own_bob).get("jid") is None  # semi-anonymous: a participant sees no JIDs (§7.2.3)
        # The moderator sees bob arrive with his real JID (§7.2.4).
        seen = run(m.next_presence(alice, pred=m.from_room(room, "Bob")))
        assert m.item(seen).get("jid") == str(bob.boundjid), m.item(seen).attrib

        # §7.2.9: carol may not take bob's nick; the room does not change.
        assert run(m.join_error(carol, room, "Bob")) == "conflict"
        run(m.join(carol, room, "Karolina"))
        run(m.next_presence(bob, pred=m.from_room(room, "Karolina")))

        # §7.6: a nick change is unavailable (303, the new nick) then available under the new nick.
        carol.send_presence(pto=room + "/Karola")
        gone = run(m.next_presence(bob, pred=lambda p: m.from_room(room, "Karolina")(p) and p["type"] == "unavailable"))
        assert 303 in m.status_codes(gone) and m.item(gone).get("nick") == "Karola", gone
        run(m.next_presence(bob, pred=lambda p: m.from_room(room, "Karola")(p) and p["type"] != "unavailable"))

        # §7.14: carol leaves with a status; the others see it.
        m.leave(carol, room, "Karola", status="Do jutra")
        left = run(m.next_presence(alice, pred=lambda p: m.from_room(room, "Karola")(p) and p["type"] == "unavailable"))
        assert left["status"] == "Do jutra", left
        self_left = run(m.next_presence(carol, pred=lambda p: m.from_room(room, "Karola")(p) and p["type"] == "unavailable"))
        assert 110 in m.status_codes(self_left)

        # §8.2: only a moderator kicks. Bob (participant) cannot kick alice.
        try:
            run(bob["xep_0045"].set_role(room, "Alicja", "none"))
            raise AssertionError("a participant kicked the owner")
        except Exception as e:  # IqError
            assert getattr(e, "iq", None) is not None and e.iq["error"]["condition"] in ("forbidden", "not-allowed"), e
        run(alice["xep_0045"].set_role(room, "Bob", "none", reason="Koniec rozmowy"))
        kicked = run(m.next_presence(bob, pred=lambda p: m.from_room(room, "Bob")(p) and p["type"] == "unavailable"))
        assert m.status_codes(kicked) == {110, 307}, m.status_codes(kicked)
        assert m.item(kicked).findtext(m.MUC_USER + "reason") == "Koniec rozmowy"
        saw = run(m.next_presence(alice, pred=lambda p: m.from_room(room, "Bob")(p) and p["type"] == "unavailable"))
        assert 307 in m.status_codes(saw) and 110 not in m.status_codes(saw)
        bob.send_message(mto=room, mbody="Jeszcze jedno", mtype="groupchat")
        err = run(m.next_error(bob, describe="refused groupchat"))
        assert err["error"]["condition"] == "not-acceptable", err
        for c in (alice, bob, carol):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc",))
