# XEP-0050 ad-hoc commands of the livechat service on a conversation room and on chat.D (issue 6:
# "the same actions are XEP-0050 commands on the room JID"; docs/protocol.md "XEP-0050
# commands"), played with slixmpp's xep_0050 plugin: the room's disco#info (XEP-0045 §6.4) lists
# the commands feature to the consultant only; the consultant in the conversation lists the
# room's commands (§2.2) and tags, notes and closes through them; the visitor lists nothing on
# the room or on chat.D and is refused (forbidden, §4.6) and never sees the tag or the note; the
# queue status command shows the conversation; the §4.6 errors (malformed-action, bad-action,
# bad-sessionid, bad-payload) and cancel (§3.5). The tag and the note are stored as with !tag and
# !note, and the staff search finds the tag.
# backends: sqlite mariadb
import adhoc_util as a
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=a.PLUGINS + ("xep_0059", "xep_0313")))
        v = run(lc.visitor(server, plugins=a.PLUGINS))
        joined = run(lc.join(v, "Dotacje dla firm"))
        room = joined["room"]
        offered_room, _ = run(lc.offer(anna))
        assert offered_room == room
        run(m.join(anna, room, "Anna"))

        # §2.1: chat.D says it speaks commands.
        info = run(anna["xep_0030"].get_info(lc.CHAT, timeout=10))
        assert a.COMMANDS in info["disco_info"]["features"], info

        # XEP-0045 §6.4 with §2.1: the room's own disco#info names the commands feature to the
        # consultant in the conversation, and not to the visitor (who may run none).
        features = run(anna["xep_0030"].get_info(room, timeout=10))["disco_info"]["features"]
        assert a.COMMANDS in features and "muc_membersonly" in features, features
        features = run(v["xep_0030"].get_info(room, timeout=10))["disco_info"]["features"]
        assert a.COMMANDS not in features and "muc_membersonly" in features, features

        # §2.2: what each may execute. Staff see the service's commands and the room's.
        on_chat = run(a.nodes(anna, lc.CHAT))
        assert set(on_chat) == {a.NODE + n for n in ("queues", "tickets", "callbacks")}, on_chat
        on_room = run(a.nodes(anna, room))
        assert set(on_room) == {a.NODE + n for n in ("note", "tag", "untag", "close")}, on_room
        assert on_room[a.NODE + "tag"] == "Tag the conversation"
        # The visitor sees none, and is refused when it tries.
        assert run(a.nodes(v, lc.CHAT)) == {} and run(a.nodes(v, room)) == {}
        assert run(a.refused(v, room, "tag")) == ("forbidden", "")
        assert run(a.refused(v, lc.CHAT, "tickets")) == ("forbidden", "")
        # §2.3: a command node describes itself.
        node_info = run(anna["xep_0030"].get_info(room, node=a.NODE + "note", timeout=10))
        identity = node_info.xml.find(".//{http://jabber.org/protocol/disco#info}identity")
        assert (identity.get("category"), identity.get("type"), identity.get("name")) == \
            ("automation", "command-node", "Add a note"), node_info

        # Tag through the command: a form, then complete (§3.4 single-stage with a form).
        first = run(a.execute(anna, room, "tag"))
        assert first.get("status") == "executing" and a.actions(first) == ("complete", ["complete"]), first
        sid = first.get("sessionid")
        done = run(a.execute(anna, room, "tag", "complete", sid, tag="dotacje"))
        assert done.get("status") == "completed" and a.notes(done) == ["Tagged: dotacje"], a.notes(done)
        # Note through the command, completing with 'execute' (the offered default).
        first = run(a.execute(anna, room, "note"))
        done = run(a.execute(anna, room, "note", "execute", first.get("sessionid"), note="Pyta o nabór 2026"))
        assert a.notes(done) == ["Note kept (the visitor does not see it)."], a.notes(done)

        # §4.6 errors.
        first = run(a.execute(anna, room, "untag"))
        sid = first.get("sessionid")
        assert run(a.refused(anna, room, "untag", "jump", sid)) == ("bad-request", "malformed-action")
        assert run(a.refused(anna, room, "untag", "next", sid, tag="x")) == ("bad-request", "bad-action")
        assert run(a.refused(anna, room, "untag", "prev", sid)) == ("bad-request", "bad-action")
        assert run(a.refused(anna, room, "untag", "complete", "not-a-session", tag="x")) == ("bad-request", "bad-sessionid")
        assert run(a.refused(anna, room, "untag", "complete", sid)) == ("bad-request", "bad-payload")  # no form
        assert run(a.refused(anna, room, "untag", "complete", sid, tag="")) == ("bad-request", "bad-payload")
        assert run(a.refused(anna, room, "nosuch")) == ("item-not-found", "")
        # The visitor cannot continue anna's session either (§3.3: it is bound to anna's JID).
        assert run(a.refused(v, room, "untag", "cancel", sid)) == ("forbidden", "")
        # §3.5 cancel: the session ends; its id is no longer valid.
        canceled = run(a.execute(anna, room, "untag", "cancel", sid))
        assert canceled.get("status") == "canceled", canceled
        assert run(a.refused(anna, room, "untag", "complete", sid, tag="x")) == ("bad-request", "bad-sessionid")

        # Queue status on chat.D: one conversation in progress, anna available.
        status = run(a.execute(anna, lc.CHAT, "queues"))
        assert status.get("status") == "completed", status
        items = a.form_of(status).findall("{jabber:x:data}item")
        rows = [{f.get("var"): f.findtext("{jabber:x:data}value") for f in i} for i in items]
        assert rows == [{"queue": "general", "waiting": "0", "active": "1", "available": "anna@localhost",
                         "open": "true"}], rows

        # The visitor saw none of it (a message after the commands is its sync point).
        lc.say(anna, room, "Już sprawdzam.")
        run(lc.room_message(v, room, "Już sprawdzam."))
        seen = " | ".join(lc.bodies(v))
        assert "dotacje" not in seen and "Pyta o nabór" not in seen and "Tagged" not in seen, seen

        # Close through the command; declining first changes nothing.
        first = run(a.execute(anna, room, "close"))
        kept = run(a.execute(anna, room, "close", "complete", first.get("sessionid"), confirm="false"))
        assert a.notes(kept) == ["Not closed."], a.notes(kept)
        first = run(a.execute(anna, room, "close"))
        closing = run(a.execute(anna, room, "close", "complete", first.get("sessionid"), confirm="true"))
        assert a.notes(closing) == ["Closing the conversation."], a.notes(closing)
        run(m.next_message(v, lambda s: s.xml.find("{%s}closed" % lc.NS) is not None, "the <closed/> notice"))
        # The room is gone, and with it its commands.
        assert run(a.refused(anna, room, "tag")) == ("item-not-found", "")

        cid = joined["conversation"]
        lc.wait_rows(server, "SELECT state FROM livechat_conversations WHERE id = ?", (cid,),
                     lambda r: r and r[0][0] == "closed")
        assert lc.rows(server, "SELECT tag FROM livechat_tags WHERE conversation = ?", (cid,)) == [("dotacje",)]
        assert lc.rows(server, "SELECT author, text FROM livechat_notes WHERE conversation = ?", (cid,)) == \
            [("anna@localhost", "Pyta o nabór 2026")]
        found = run(lc.wait_searchable(anna, "dotacje", 1))
        assert any(kind == "tag" and conv == cid for kind, conv, _client, _body in found), found


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep", "mam"))
