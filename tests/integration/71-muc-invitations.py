# XEP-0045 members-only rooms and invitations, with slixmpp: an outsider is refused
# (§7.2.7 registration-required), a mediated invitation (§7.8.2) reaches the invitee from the room
# with the inviter and reason and makes it a member (it can then enter), a decline goes back to
# the inviter (§7.8.2), and a XEP-0249 direct invitation passes from user to user; the invitee
# enters once the owner makes it a member (§9.3).
import xmppd_harness as h
import muc_util as m
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(m.login(server, "alice", "alice-Pass-1"))
        bob = run(m.login(server, "bob", "bob-Pass-2"))
        carol = run(m.login(server, "carol", "carol-Pass-3"))
        eve = run(m.login(server, "eve", "eve-Pass-4"))
        room = m.room_jid("zespol")
        run(m.create_room(alice, room, "Alicja", membersonly="1", publicroom="0"))

        assert run(m.join_error(eve, room, "Ewa")) == "registration-required"

        # §7.8.2 mediated invitation
        alice["xep_0045"].invite(room, bob.boundjid.bare, reason="Pilna sprawa")
        inv = run(m.next_message(bob, pred=lambda msg: msg.xml.find(m.MUC_USER + "x") is not None))
        assert str(inv["from"]) == room, inv
        invite = inv.xml.find(m.MUC_USER + "x").find(m.MUC_USER + "invite")
        assert invite.get("from", "").startswith(str(alice.boundjid.bare)), invite.attrib
        assert invite.findtext(m.MUC_USER + "reason") == "Pilna sprawa"
        own, _, _, _ = run(m.join(bob, room, "Bob"))
        assert m.item(own).get("affiliation") == "member", m.item(own).attrib

        # The decline of another invitation reaches the inviter from the room.
        alice["xep_0045"].invite(room, carol.boundjid.bare)
        run(m.next_message(carol, pred=lambda msg: str(msg["from"]) == room))
        carol["xep_0045"].decline(room, alice.boundjid.bare, reason="Nie teraz")
        declined = run(m.next_message(alice, pred=lambda msg: msg.xml.find(m.MUC_USER + "x/" + m.MUC_USER + "decline") is not None))
        decline = declined.xml.find(m.MUC_USER + "x").find(m.MUC_USER + "decline")
        assert decline is not None and decline.findtext(m.MUC_USER + "reason") == "Nie teraz", declined

        # XEP-0249: a direct invitation is a message between the users.
        alice["xep_0249"].send_invitation(eve.boundjid.bare, room, reason="Zapraszam")
        direct = run(m.next_message(eve, pred=lambda msg: msg.xml.find("{jabber:x:conference}x") is not None))
        assert direct.xml.find("{jabber:x:conference}x").get("jid") == room
        assert run(m.join_error(eve, room, "Ewa")) == "registration-required"  # not a member yet
        run(alice["xep_0045"].set_affiliation(room, "member", jid=eve.boundjid.bare))
        run(m.join(eve, room, "Ewa"))
        members = run(alice["xep_0045"].get_affiliation_list(room, "member"))
        assert {str(j) for j in members} == {str(bob.boundjid.bare), str(carol.boundjid.bare),
                                             str(eve.boundjid.bare)}, members
        for c in (alice, bob, carol, eve):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc",))
