# A supervisor's silent join (issue 6 "a silent supervisor's presence goes to staff only and every
# silent join is written to the audit log"; docs/protocol.md "Supervisors"): the supervisor lists
# the live conversations, asks to watch one and joins its room with an ordinary XEP-0045 join
# (§7.2). The muc module hides the supervisor from everyone but the room's staff (admins, owners):
# the consultant gets its presence (§7.2.3) and its messages, the visitor gets neither, its
# disco#items of the room (§6.5) does not list it, and after a reload (rejoin by token) neither the
# occupants nor the history (§7.2.15) show it. The <watch/> writes an audit row (silent_join).
# Consultants and visitors cannot list or watch.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NS = lc.NS


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"], options='supervisors = ["szef"]\n') as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        szef = run(lc.consultant(server, "szef", "szef-Pass-2"))
        v = run(lc.visitor(server))
        j = run(lc.join(v, "Zaświadczenie o niezaleganiu"))
        room, cid = j["room"], j["conversation"]
        assert run(lc.offer(anna))[0] == room
        run(m.join(anna, room, "Anna"))

        # The live conversations, to supervisors only.
        live = run(lc.handoff(szef, "<conversations xmlns='%s'/>" % NS, "conversations", itype="get"))
        conv = [c.attrib for c in live.findall("{%s}conversation" % NS)]
        assert [(c["id"], c["state"], c.get("consultant")) for c in conv] == [(cid, "active", "anna@localhost")], conv
        assert "topic" not in conv[0]
        q = live.find("{%s}queue" % NS).attrib
        assert (q["name"], q["active"], q["waiting"]) == ("general", "1", "0"), q
        for who in (anna, v):
            assert run(lc.error_of(who.raw_iq("get", lc.CHAT, "<conversations xmlns='%s'/>" % NS)))[0] == "forbidden"
            assert run(lc.error_of(who.raw_iq("set", lc.CHAT, "<watch xmlns='%s' conversation='%s'/>"
                                              % (NS, cid))))[0] == "forbidden"

        # Not without <watch/>.
        assert run(m.join_error(szef, room, "Szef")) == "not-allowed"
        watching = run(lc.handoff(szef, "<watch xmlns='%s' conversation='%s'/>" % (NS, cid), "watching"))
        assert watching.get("room") == room
        own, _subject, occupants, history = run(m.join(szef, room, "Szef"))
        assert m.item(own).get("role") == "moderator", own
        # Anna (staff) sees the supervisor come in.
        run(m.next_presence(anna, lambda p: str(p["from"]) == room + "/Szef", "the supervisor, seen by anna"))
        # The supervisor's word reaches staff only.
        lc.say(szef, room, "Proszę zapytać o NIP")
        run(lc.room_message(anna, room, "Proszę zapytać o NIP"))
        # Sync point for the visitor: what came before anna's message has come.
        lc.say(anna, room, "Czy poda Pan NIP?")
        run(lc.room_message(v, room, "Czy poda Pan NIP?"))
        run(lc.room_message(szef, room, "Czy poda Pan NIP?"))
        assert not v.stanzas.find(lambda st: st.name == "presence" and st["from"].resource == "Szef"), \
            "the visitor saw the supervisor's presence"
        assert "Proszę zapytać o NIP" not in " | ".join(b for b in lc.bodies(v) if b)
        items = run(v["xep_0030"].get_items(jid=room, timeout=10))["disco_items"]["items"]
        assert sorted(i[0] for i in items) == sorted([room + "/Anna", room + "/Visitor"]), items

        # A reload: the visitor's new session gets the occupants and the history without him.
        v2 = run(lc.visitor(server))
        again = run(lc.rejoin(v2, j["token"]))
        assert again["room"] == room
        run(m.next_presence(v2, lambda p: str(p["from"]) == room + "/Visitor" and 110 in m.status_codes(p),
                            "the visitor's own presence after the reload"))
        lc.say(anna, room, "Dalej jestem")
        run(lc.room_message(v2, room, "Dalej jestem"))
        assert not v2.stanzas.find(lambda st: st.name == "presence" and st["from"].resource == "Szef")
        hist = [s["body"] for s in v2.stanzas.items if s.name == "message" and s["type"] == "groupchat"]
        assert "Czy poda Pan NIP?" in hist and "Proszę zapytać o NIP" not in hist, hist

        # The supervisor leaves: anna is told, the visitor is not.
        m.leave(szef, room, "Szef")
        run(m.next_presence(anna, lambda p: str(p["from"]) == room + "/Szef" and p["type"] == "unavailable",
                            "the supervisor leaving"))
        lc.say(anna, room, "Koniec")
        run(lc.room_message(v2, room, "Koniec"))
        assert not v2.stanzas.find(lambda st: st.name == "presence" and st["from"].resource == "Szef")

        audit = lc.wait_rows(server, "SELECT actor, action FROM livechat_audit WHERE action = 'silent_join'")
        assert audit == [("szef@localhost", "silent_join")], audit
        events = [r for r in lc.rows(server, "SELECT event, actor FROM livechat_transitions WHERE conversation = ? "
                                             "ORDER BY id", (cid,))]
        assert ("silent_join", "szef@localhost") in events, events


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
