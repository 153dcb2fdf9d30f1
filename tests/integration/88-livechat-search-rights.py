# Staff search and client history (issue 6 "full-text search across all history the requester may
# see is a MAM full-text query to chat.D, filtered by rights"; docs/protocol.md "Staff search",
# "Client history"): a XEP-0313 §4 query to chat.localhost with the XEP-0431 field finds a
# conversation's messages, its tag and its note (folded: "piatek" finds "piątek"), and a ticket of
# the same person (the same e-mail in the join form and the ticket is one client); every result
# names its conversation and client. Rights: a consultant reads its queues only (another queue's
# consultant finds nothing, and a filter on a queue it may not read is forbidden); a supervisor
# reads all; a visitor and a stranger get forbidden. The visitor's own room archive never returns
# the note or the tag. RSM (XEP-0059) pages through 12 hits without gaps or duplicates. Every staff
# read of a client's data (search, history) is an audit row; the client row and keys hold no
# address.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import room_archive_util as ra
import xmppd_harness as h
from xmpp_clients import Client, run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | anna",
          "dotacje | Dotacje | bob | 30s"]
ANNA, BOB, SZEF = ("%s@%s" % (u, h.DOMAIN) for u in ("anna", "bob", "szef"))


def test():
    with lc.server(QUEUES, options='supervisors = ["szef"]\n') as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=lc.SEARCH_PLUGINS))
        bob = run(lc.consultant(server, "bob", "bob-Pass-1", plugins=lc.SEARCH_PLUGINS))
        szef = run(lc.consultant(server, "szef", "szef-Pass-1", plugins=lc.SEARCH_PLUGINS))
        server.adduser("eve", "eve-Pass-1")
        eve = run(Client("eve@%s/pc" % h.DOMAIN, "eve-Pass-1", plugins=lc.SEARCH_PLUGINS).login(server.ports["c2s"]))
        v = run(lc.visitor(server, plugins=lc.SEARCH_PLUGINS))

        joined = run(lc.join(v, "Kredyt ekologiczny", email="Ola.Nowak@Example.PL"))
        room, cid = joined["room"], joined["conversation"]
        assert run(lc.offer(anna))[0] == room
        run(m.join(anna, room, "Anna"))
        lc.say(v, room, "Pytanie o kredyt ekologiczny dla firmy")
        run(lc.room_message(anna, room, "Pytanie o kredyt ekologiczny dla firmy"))
        for i in range(12):
            lc.say(v, room, "Wniosek numer %d" % i)
        run(lc.room_message(anna, room, "Wniosek numer 11"))
        lc.say(anna, room, "!tag ekologia")
        run(lc.service_reply(anna, room, "Tagged: ekologia"))
        lc.say(anna, room, "!note Oddzwonić w piątek rano")
        run(lc.service_reply(anna, room, "Note kept"))

        # XEP-0431 through the one archive, folded on both sides.
        found = run(lc.wait_searchable(anna, "ekologiczny", 1))
        assert [(k, c) for k, c, _, _ in found] == [("message", cid)], found
        client = found[0][2]
        assert client, found
        found, _ = run(lc.search(anna, "ekologia"))
        assert [(k, c, x) for k, c, x, _ in found] == [("tag", cid, client)], found
        found = run(lc.wait_searchable(anna, "piatek", 1))
        assert [(k, c, x, b) for k, c, x, b in found] == [("note", cid, client, "Oddzwonić w piątek rano")], found

        # The visitor's room archive (its own history) never has the note or the tag.
        results, _ = run(ra.query(v, room, {ra.FULLTEXT: "piatek"}))
        assert results == [], results
        results, _ = run(ra.query(v, room, {ra.FULLTEXT: "ekologia"}))
        assert results == [], results

        # RSM paging: 12 hits, 5 at a time, forwards; no gap, no duplicate; count every time.
        seen, after = [], None
        for _ in range(3):
            kw = {"max": "5"} if after is None else {"max": "5", "after": after}
            page, fin = run(lc.search(anna, "wniosek", **kw))
            assert fin["rsm"]["count"] == "12", fin
            seen += [b for _, _, _, b in page]
            if fin.xml.get("complete") == "true":
                break
            after = fin["rsm"]["last"]
        assert seen == ["Wniosek numer %d" % i for i in range(12)], seen
        # The last page (<before/> empty, XEP-0059 §2.5).
        page, fin = run(lc.search(anna, "wniosek", max="3", before=True))
        assert [b for _, _, _, b in page] == ["Wniosek numer %d" % i for i in (9, 10, 11)], page

        lc.say(anna, room, "!close")
        run(m.next_message(v, lambda s: s.xml.find("{%s}closed" % lc.NS) is not None, "the <closed/> notice"))

        # The same e-mail in a ticket later: the same client (docs/protocol.md "Clients").
        v2 = run(lc.visitor(server, plugins=lc.SEARCH_PLUGINS))
        ticket = run(lc.send(lc.ticket_iq(v2, email="ola.nowak@example.pl", question="Czy jest termin naboru?"),
                             "ticket"))
        found = run(lc.wait_searchable(anna, "termin naboru", 1))
        assert [(k, c, x) for k, c, x, _ in found] == [("ticket", ticket.get("id"), client)], found

        # Rights: bob (another queue) finds nothing and may not name general; szef finds it all.
        assert run(lc.search(bob, "ekologiczny"))[0] == []
        assert run(lc.search(bob, "piatek"))[0] == []
        assert run(lc.search_refusal_queue(bob, "ekologiczny", "general")) == "forbidden"
        found, _ = run(lc.search(szef, "ekologiczny"))
        assert [(k, c) for k, c, _, _ in found] == [("message", cid)], found
        found, _ = run(lc.search(anna, "ekologiczny", queue="general"))
        assert len(found) == 1, found
        for who in (v, v2, eve):
            assert run(lc.search_refusal(who, "ekologiczny")) == "forbidden"

        # Client history: the conversation with its tag and note count, and the ticket.
        history = run(lc.client_history(anna, client))
        conversations = history.findall("{%s}conversation" % lc.NS)
        assert [c.get("id") for c in conversations] == [cid], history
        c = conversations[0]
        assert c.get("state") == "closed" and c.get("queue") == "general" and c.get("consultant") == ANNA, c.attrib
        assert [t.text for t in c.findall("{%s}tag" % lc.NS)] == ["ekologia"] and c.get("notes") == "1", c.attrib
        assert [t.get("id") for t in history.findall("{%s}ticket" % lc.NS)] == [ticket.get("id")]
        # A client note (staff only), listed with the history.
        run(lc.staff(anna, "<client xmlns='%s' id='%s'><note>Woli kontakt telefoniczny</note></client>" % (lc.NS, client)))
        history = run(lc.client_history(anna, client))
        notes = [(n.get("author"), n.text) for n in history.findall("{%s}note" % lc.NS)]
        assert notes == [(ANNA, "Woli kontakt telefoniczny")], notes
        # Bob sees the client but nothing of a queue he does not serve, so not its notes either; a
        # visitor is refused.
        history = run(lc.client_history(bob, client))
        assert history.findall("{%s}conversation" % lc.NS) == [] and history.findall("{%s}ticket" % lc.NS) == []
        assert history.findall("{%s}note" % lc.NS) == [], history
        cond, _ = run(lc.error_of(v2.raw_iq("get", lc.CHAT, "<client xmlns='%s' id='%s'/>" % (lc.NS, client))))
        assert cond == "forbidden"

        # The audit log: every staff read of this client's data, nothing about who was refused.
        audit = lc.wait_rows(server, "SELECT actor, action, data_class FROM livechat_audit WHERE client = ?",
                             (client,), lambda r: len(r) >= 2 and (BOB, "history", "audit") in r)
        assert (ANNA, "search", "audit") in audit and (ANNA, "history", "audit") in audit, audit
        assert (SZEF, "search", "audit") in audit and (BOB, "history", "audit") in audit, audit
        assert not [a for a in audit if a[0] == BOB and a[1] == "search"], audit  # bob's searches found nothing
        # The client holds no address: keys are hashes.
        keys = lc.rows(server, "SELECT kind, key_hash FROM livechat_client_keys WHERE client = ?", (client,))
        assert sorted(k for k, _ in keys) == ["email", "token"], keys
        assert all(len(x) == 64 and "@" not in x for _, x in keys), keys
        assert lc.rows(server, "SELECT client FROM livechat_conversations WHERE id = ?", (cid,)) == [(client,)]
        for c in (anna, bob, szef, eve, v, v2):
            run(c.close())


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "mam"))
