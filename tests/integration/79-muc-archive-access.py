# Who reads a room's archive (XEP-0313 queries to the room; the room's rules, XEP-0045): a
# members-only room's archive is its members' (an outsider is refused with forbidden, also
# after it was once invited and removed); an open room's is anyone's who could join it (not a
# banned user; with a password, only someone in the room). Real JIDs: in a semi-anonymous room
# a participant's results carry no <x xmlns='…muc#user'/> with the sender's JID, a moderator's
# do (XEP-0045 §7.2.3/§7.2.4); in a non-anonymous room everyone's do. A JID a client forged into
# its message's own muc#user <x/> is never archived as the sender's.
# backends: sqlite mariadb
import xmppd_harness as h
import muc_util as m
import room_archive_util as ra
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(ra.login(server, "alice", "alice-Pass-1"))
        bob = run(ra.login(server, "bob", "bob-Pass-2"))
        eve = run(ra.login(server, "eve", "eve-Pass-3"))
        mallory = run(ra.login(server, "mallory", "mallory-Pass-4"))
        a, b = alice.boundjid.bare, bob.boundjid.bare

        # Members-only.
        board = m.room_jid("zarzad")
        run(m.create_room(alice, board, "Alicja", membersonly="1", enablelogging="1"))
        run(alice["xep_0045"].set_affiliation(board, "member", jid=b))
        run(ra.say(alice, board, ["Budżet na przyszły rok"]))
        run(ra.wait_archived(alice, board, 1))
        assert run(ra.refusal(eve, board, max="10")) == "forbidden"
        results, _ = run(ra.query(bob, board, max="10"))  # a member, not in the room now
        assert ra.bodies(results) == ["Budżet na przyszły rok"]
        run(alice["xep_0045"].set_affiliation(board, "none", jid=b))
        assert run(ra.refusal(bob, board, max="10")) == "forbidden"

        # Open, semi-anonymous (whois: moderators).
        forum = m.room_jid("forum")
        run(m.create_room(alice, forum, "Alicja", enablelogging="1", whois="moderators"))
        run(alice["xep_0045"].set_affiliation(forum, "outcast", jid=mallory.boundjid.bare))
        run(m.join(bob, forum, "Bob"))
        run(m.join(eve, forum, "Ewa"))
        # bob's client claims to be someone else in a muc#user <x/>; the archive keeps his own JID.
        forged = bob.make_message(mto=forum, mbody="Pytanie od Boba", mtype="groupchat")
        x = forged.xml.makeelement(ra.MUC_USER + "x", {})
        x.append(x.makeelement(ra.MUC_USER + "item", {"jid": "ceo@" + h.DOMAIN}))
        forged.xml.append(x)
        forged.send()
        run(m.next_message(bob, pred=lambda st: st["body"] == "Pytanie od Boba"))
        run(ra.say(alice, forum, ["Odpowiedź"]))
        run(ra.wait_archived(alice, forum, 2))
        results, _ = run(ra.query(eve, forum, max="10"))
        assert ra.bodies(results) == ["Pytanie od Boba", "Odpowiedź"]
        assert [ra.real_jid(r) for r in results] == [None, None], "a participant sees no real JIDs"
        results, _ = run(ra.query(alice, forum, max="10"))  # the owner is a moderator
        assert [ra.real_jid(r) for r in results] == [b, a], [ra.real_jid(r) for r in results]
        m.leave(eve, forum, "Ewa")
        run(m.next_presence(eve, pred=lambda p: p["type"] == "unavailable" and str(p["from"]) == forum + "/Ewa"))
        results, _ = run(ra.query(eve, forum, max="10"))  # anyone who could join reads it
        assert len(results) == 2 and ra.real_jid(results[0]) is None
        assert run(ra.refusal(mallory, forum, max="10")) == "forbidden"  # banned

        # Non-anonymous: everyone sees real JIDs.
        open_room = m.room_jid("jawny")
        run(m.create_room(alice, open_room, "Alicja", enablelogging="1", whois="anyone"))
        run(ra.say(alice, open_room, ["Wszyscy widzą"]))
        run(ra.wait_archived(alice, open_room, 1))
        results, _ = run(ra.query(eve, open_room, max="10"))
        assert [ra.real_jid(r) for r in results] == [a]

        # Password-protected: only someone in the room (or a member).
        locked = m.room_jid("sejf")
        run(m.create_room(alice, locked, "Alicja", enablelogging="1", passwordprotectedroom="1", roomsecret="tajne"))
        assert run(ra.refusal(eve, locked, max="10")) == "forbidden"
        run(m.join(eve, locked, "Ewa", password="tajne"))
        run(ra.query(eve, locked, max="10"))

        for c in (alice, bob, eve, mallory):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc", "mam"))
