# Retention of the livechat service's personal data (DESIGN.md privacy: "every class has a
# retention period with a safe default, and a purge job"; "records under a legal hold are skipped
# by purge and erasure"; modules/livechat/retention.hpp). With every period at 3 s and the purge
# every second: a closed conversation's note and tag leave staff search, its client history is
# gone and its rows with it; a conversation whose client an administrator put under legal hold
# (XEP-0050 command `legal-hold` on chat.D, §4 with a XEP-0004 form) stays found long after its
# period, and the hold is in the audit log. A consultant may neither see nor run the command
# (§2.2 list, §4.6 forbidden). Open work is never purged: an open ticket stays.
# backends: sqlite mariadb
import asyncio
import time

import adhoc_util as ad
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | anna"]
OPTIONS = ('administrators = ["szef"]\n'
           'conversations_expire_after = "3s"\ntickets_expire_after = "3s"\ncallbacks_expire_after = "3s"\n'
           'audit_expire_after = "3s"\nclients_expire_after = "3s"\npurge_interval = "1s"\n')
PLUGINS = lc.SEARCH_PLUGINS + ("xep_0004", "xep_0050")


def conversation(server, anna, topic, note, tag, before_close=None):
    """A visitor asks, anna answers, notes, tags and closes; returns (conversation, client)."""
    v = run(lc.visitor(server))
    joined = run(lc.join(v, topic))
    room, cid = joined["room"], joined["conversation"]
    assert run(lc.offer(anna))[0] == room
    run(m.join(anna, room, "Anna"))
    lc.say(v, room, topic)
    run(lc.room_message(anna, room, topic))
    lc.say(anna, room, "!note " + note)
    run(lc.service_reply(anna, room, "Note kept"))
    lc.say(anna, room, "!tag " + tag)
    run(lc.service_reply(anna, room, "Tagged: " + tag))
    found = run(lc.wait_searchable(anna, note, 1))
    assert [(k, c) for k, c, _, _ in found] == [("note", cid)], found
    client = found[0][2]
    if before_close:
        before_close(client)
    lc.say(anna, room, "!close")
    run(m.next_message(v, lambda s: s.xml.find("{%s}closed" % lc.NS) is not None, "the <closed/> notice"))
    return cid, client


async def gone_from_search(c, text, kind):
    """Until a staff search for `text` finds no record of `kind` (bounded by run's timeout)."""
    while True:
        found, _ = await lc.search(c, text)
        if not [k for k, _, _, _ in found if k == kind]:
            return
        await asyncio.sleep(0.1)


def test():
    with lc.server(QUEUES, options=OPTIONS) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=PLUGINS))
        szef = run(lc.consultant(server, "szef", "szef-Pass-1", plugins=PLUGINS))
        chat = "chat." + h.DOMAIN

        # Only the administrator sees and runs the command.
        assert "urn:xmppd:livechat:0#legal-hold" in run(ad.nodes(szef, chat))
        assert "urn:xmppd:livechat:0#legal-hold" not in run(ad.nodes(anna, chat))
        assert run(ad.refused(anna, chat, "legal-hold")) == ("forbidden", "")

        gone, gone_client = conversation(server, anna, "Pytanie o termin naboru", "Oddzwonić we wtorek", "termin")

        def hold(client):
            form = run(ad.execute(szef, chat, "legal-hold"))
            session = form.get("sessionid")
            assert ad.form_of(form) is not None
            assert run(ad.refused(szef, chat, "legal-hold", "complete", session, client="0000-nobody",
                                  hold="1")) == ("item-not-found", "")
            done = run(ad.execute(szef, chat, "legal-hold", "complete", session, client=client, hold="1"))
            assert done.get("status") == "completed"
            assert ad.notes(done) == ["Client %s is under legal hold." % client], ad.notes(done)

        kept, kept_client = conversation(server, anna, "Skarga na decyzję", "Sprawa sporna zachować", "skarga",
                                         before_close=hold)
        # An open ticket of the purged client's kind: unfinished work is never purged.
        v = run(lc.visitor(server))
        ticket = run(lc.send(lc.ticket_iq(v, name="Ola", email="ola@example.pl", question="Czy mogę złożyć wniosek?"),
                             "ticket")).get("id")

        # The unheld conversation goes with its rows, notes, tags and client.
        lc.wait_rows(server, "SELECT id FROM livechat_conversations WHERE id = ?", (gone,), pred=lambda r: not r,
                     timeout=30)
        lc.wait_rows(server, "SELECT id FROM livechat_clients WHERE id = ?", (gone_client,), pred=lambda r: not r,
                     timeout=30)
        assert not lc.rows(server, "SELECT conversation FROM livechat_notes WHERE conversation = ?", (gone,))
        assert not lc.rows(server, "SELECT conversation FROM livechat_tags WHERE conversation = ?", (gone,))
        # Their search records go in the same purge, right after the rows.
        run(gone_from_search(anna, "Oddzwonić we wtorek", "note"))
        run(gone_from_search(anna, "termin", "tag"))

        # Well past its period, several purges later, the held one is all there.
        time.sleep(4)
        found, _ = run(lc.search(szef, "Sprawa sporna zachować"))
        assert [(k, c) for k, c, _, _ in found] == [("note", kept)], found
        history = run(lc.client_history(szef, kept_client))
        assert [c.get("id") for c in history.findall("{%s}conversation" % lc.NS)] == [kept], history
        assert history.get("legal-hold") == "true", history.attrib
        assert lc.rows(server, "SELECT tag FROM livechat_tags WHERE conversation = ?", (kept,)) == [("skarga",)]
        assert ("szef@" + h.DOMAIN, "legal_hold") in lc.rows(
            server, "SELECT actor, action FROM livechat_audit WHERE client = ?", (kept_client,))
        assert lc.rows(server, "SELECT id FROM livechat_tickets WHERE id = ?", (ticket,)) == [(ticket,)]
        for c in (anna, szef, v):
            run(c.close())


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "mam"))
