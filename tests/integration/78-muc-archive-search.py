# XEP-0431 full-text search on a room's archive (XEP-0313 queries to the room): the text is
# folded by the archive's ICU folding on both sides, never by the database, so "Łódź" is found
# by "lodz" and by "ŁÓDŹ", "Dofinansowanie" by the prefix "dofin*", a phrase only in its order;
# combined with `with` (one nick) and paged with RSM (count of all matches, then the rest).
# backends: sqlite mariadb
import xmppd_harness as h
import muc_util as m
import room_archive_util as ra
from xmpp_clients import run


def test():
    with h.Server(channel_binding=False) as server:
        alice = run(ra.login(server, "alice", "alice-Pass-1"))
        bob = run(ra.login(server, "bob", "bob-Pass-2"))
        room = m.room_jid("wnioski")
        run(m.create_room(alice, room, "Alicja", enablelogging="1"))
        run(m.join(bob, room, "Bob"))
        by_alice = ["Spotkanie w Łodzi", "Biuro w Łódź Fabryczna", "Dofinansowanie ze środków UE",
                    "Zażółć gęślą jaźń"]
        by_bob = ["Jadę do Łódź jutro", "dofinansowania nie będzie", "Wniosek nr %d" % 7]
        run(ra.say(alice, room, by_alice[:2]))
        run(ra.say(bob, room, by_bob[:1]))
        run(ra.say(alice, room, by_alice[2:]))
        run(ra.say(bob, room, by_bob[1:]))
        for i in range(12):
            run(ra.say(bob if i % 2 else alice, room, ["Łódź raport %d" % i]))
        total = len(by_alice) + len(by_bob) + 12
        run(ra.wait_archived(bob, room, total))

        def search(text, **kw):
            results, fin = run(ra.query(bob, room, {ra.FULLTEXT: text}, **kw))
            return ra.bodies(results), fin

        lodz = ["Biuro w Łódź Fabryczna", "Jadę do Łódź jutro"] + ["Łódź raport %d" % i for i in range(12)]
        found, fin = search("lodz", max="50")
        assert found == lodz, found
        assert fin["rsm"]["count"] == str(len(lodz))
        assert search("ŁÓDŹ", max="50")[0] == lodz
        assert search("dofin*", max="50")[0] == ["Dofinansowanie ze środków UE", "dofinansowania nie będzie"]
        assert search("zazolc gesla jazn", max="50")[0] == ["Zażółć gęślą jaźń"]
        assert search('"gesla jazn"', max="50")[0] == ["Zażółć gęślą jaźń"]
        assert search('"jazn gesla"', max="50")[0] == []
        assert search("UE", max="50")[0] == ["Dofinansowanie ze środków UE"]
        # With one nick, and paged: the first 5 matches, then the rest after the last of them.
        results, fin = run(ra.query(bob, room, {ra.FULLTEXT: "lodz"}, with_jid=room + "/Bob", max="50"))
        bobs = ["Jadę do Łódź jutro"] + ["Łódź raport %d" % i for i in range(1, 12, 2)]
        assert ra.bodies(results) == bobs, ra.bodies(results)
        first, fin = run(ra.query(bob, room, {ra.FULLTEXT: "lodz"}, max="5"))
        assert ra.bodies(first) == lodz[:5] and not ra.complete(fin), fin
        rest, fin = run(ra.query(bob, room, {ra.FULLTEXT: "lodz"}, max="50", after=ra.ids(first)[-1]))
        assert ra.bodies(rest) == lodz[5:] and ra.complete(fin), ra.bodies(rest)
        assert fin["rsm"]["count"] == str(len(lodz)) and fin["rsm"]["first_index"] == "5", fin

        for c in (alice, bob):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc", "mam"))
