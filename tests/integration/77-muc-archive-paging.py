# XEP-0313 on a room (queries to the room's bare JID) with slixmpp's XEP-0313/XEP-0059 plugins:
# alice and bob write 25 messages in a logged room; the room advertises urn:xmpp:mam:2 (XEP-0313
# §7) and offers its form (§5.1); its archive pages forwards (slixmpp's RSM iterator) and
# backwards (<before/>) with every message once, in order, under the stanza ids the room gave
# them, with XEP-0059 count and first index; results come from the room (§4.2). Form fields:
# with = an occupant JID (one nick), after-id, before-id, ids (#extended) and start.
# backends: sqlite mariadb
import xmppd_harness as h
import muc_util as m
import room_archive_util as ra
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(ra.login(server, "alice", "alice-Pass-1"))
        bob = run(ra.login(server, "bob", "bob-Pass-2"))
        room = m.room_jid("narada")
        run(m.create_room(alice, room, "Alicja", enablelogging="1"))
        run(m.join(bob, room, "Bob"))
        sent, sids = [], []
        for i in range(25):
            who = alice if i % 3 else bob
            body = "Punkt %d porządku obrad" % i
            sids += run(ra.say(who, room, [body]))
            sent.append(body)
        run(ra.wait_archived(bob, room, len(sent)))

        info = run(bob["xep_0030"].get_info(jid=room, timeout=5))
        feats = set(info["disco_info"]["features"])
        assert {"urn:xmpp:mam:2", "urn:xmpp:mam:2#extended", "urn:xmpp:fulltext:0"} <= feats, feats
        form = run(bob["xep_0313"].get_fields(jid=room, timeout=5))
        offered = m.form_vars(form)
        assert {"with", "start", "end", "after-id", "before-id", "ids", ra.FULLTEXT} <= offered, offered

        # Forwards with slixmpp's iterator (<after/> the last id of each page).
        seen, counts = [], set()

        async def forwards():
            async for p in bob["xep_0313"].retrieve(jid=room, iterator=True, rsm={"max": 10}):
                seen.extend(p["mam"]["results"])
                counts.add(p["mam_fin"]["rsm"]["count"])
        run(forwards(), timeout=60)
        assert ra.bodies(seen) == sent, ra.bodies(seen)
        assert ra.ids(seen) == sids, "results carry the stanza ids the room gave"
        assert counts == {"25"}, counts
        assert all(str(r["from"]) == room for r in seen)
        assert str(ra.forwarded(seen[0])["from"]) == room + "/Bob"

        # Backwards: <before/> empty is the last page, then <before/> its first id.
        back = []
        results, fin = run(ra.query(bob, room, max="10", before=True))
        assert fin["rsm"]["first_index"] == "15", fin
        while True:
            back[:0] = results
            if ra.complete(fin):
                break
            results, fin = run(ra.query(bob, room, max="10", before=ra.ids(results)[0]))
        assert ra.bodies(back) == sent, ra.bodies(back)
        assert fin["rsm"]["count"] == "25" and fin["rsm"]["first_index"] == "0", fin

        # with = room/nick: what one occupant said.
        results, fin = run(ra.query(bob, room, with_jid=room + "/Bob", max="50"))
        assert ra.bodies(results) == sent[::3], ra.bodies(results)
        assert fin["rsm"]["count"] == str(len(sent[::3]))
        # #extended: after-id, before-id, ids.
        results, _ = run(ra.query(bob, room, {"after-id": sids[19]}, max="50"))
        assert ra.bodies(results) == sent[20:], ra.bodies(results)
        results, _ = run(ra.query(bob, room, {"before-id": sids[3]}, max="50"))
        assert ra.bodies(results) == sent[:3], ra.bodies(results)
        results, _ = run(ra.query(bob, room, {"ids": [sids[4], sids[17]]}, max="50"))
        assert ra.bodies(results) == [sent[4], sent[17]], ra.bodies(results)
        # start (inclusive): from the time the 11th message was archived (its <delay/>).
        stamp = seen[10]["mam_result"]["forwarded"]["delay"]["stamp"]
        results, _ = run(ra.query(bob, room, {"start": stamp.isoformat().replace("+00:00", "Z")}, max="50"))
        assert ra.bodies(results) == sent[10:], ra.bodies(results)

        for c in (alice, bob):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc", "mam"))
