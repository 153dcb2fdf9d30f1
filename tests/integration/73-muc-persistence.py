# Persistent rooms survive a restart, on both backends: the configuration (name, members-only,
# persistent), the affiliations (owner, member, outcast) and the subject are stored and loaded at
# start (XEP-0045 §10.2 muc#roomconfig_persistentroom). After the restart the room is listed
# with its features (§6.4 disco#info), a member enters and is told the subject (§7.2.16), an
# outsider is refused (§7.2.7) and the banned user stays out (§7.2.8). A temporary room is gone.
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
import muc_util as m
from xmpp_clients import run


async def features(client, room):
    info = await client["xep_0030"].get_info(jid=room, timeout=5)
    return set(info["disco_info"]["features"]), info["disco_info"]["identities"]


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(m.login(server, "alice", "alice-Pass-1"))
        bob = run(m.login(server, "bob", "bob-Pass-2"))
        eve = run(m.login(server, "eve", "eve-Pass-3"))
        mallory = run(m.login(server, "mallory", "mallory-Pass-4"))
        room = m.room_jid("archiwum")
        scratch = m.room_jid("chwilowy")
        run(m.create_room(alice, room, "Alicja", roomname="Łódź — fundusze", persistentroom="1", membersonly="1"))
        run(alice["xep_0045"].set_affiliation(room, "member", jid=bob.boundjid.bare))
        run(alice["xep_0045"].set_affiliation(room, "outcast", jid=mallory.boundjid.bare))
        alice["xep_0045"].set_subject(room, "Nabór wniosków")
        run(m.next_message(alice, pred=lambda msg: msg["subject"] == "Nabór wniosków"))
        run(m.create_room(bob, scratch, "Bob"))
        run(alice.sync())

        server.restart()
        for c in (alice, bob, eve, mallory):
            run(asyncio.wait_for(c.lost.wait(), 10))
        alice = run(m.relogin(server, "alice", "alice-Pass-1"))
        bob = run(m.relogin(server, "bob", "bob-Pass-2"))
        eve = run(m.relogin(server, "eve", "eve-Pass-3"))
        mallory = run(m.relogin(server, "mallory", "mallory-Pass-4"))

        feats, identities = run(features(bob, room))
        assert {"http://jabber.org/protocol/muc", "muc_persistent", "muc_membersonly"} <= feats, feats
        assert any(i[0] == "conference" and i[3] == "Łódź — fundusze" for i in identities), identities

        own, subject, _, _ = run(m.join(bob, room, "Bob"))
        assert m.item(own).get("affiliation") == "member", m.item(own).attrib
        assert subject["subject"] == "Nabór wniosków" and str(subject["from"]) == room + "/Alicja", subject
        assert run(m.join_error(eve, room, "Ewa")) == "registration-required"
        assert run(m.join_error(mallory, room, "M")) == "forbidden"
        own, _, _, _ = run(m.join(alice, room, "Alicja"))
        assert m.item(own).get("affiliation") == "owner"
        assert 201 not in m.status_codes(own)  # the room was there already

        # The temporary room ended with the restart: joining creates it anew (201).
        own, _, _, _ = run(m.join(eve, scratch, "Ewa"))
        assert 201 in m.status_codes(own), m.status_codes(own)
        for c in (alice, bob, eve, mallory):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc",))
