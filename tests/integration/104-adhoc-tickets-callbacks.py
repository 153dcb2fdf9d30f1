# Tickets and callbacks worked to the end through XEP-0050 commands on chat.D (issue 6: "Queue,
# tickets and callbacks are XEP-0050 commands on chat.D"; docs/protocol.md "XEP-0050 commands"),
# with slixmpp's xep_0050 plugin. Two-stage commands (§3.4): which to list (next), then one item
# and its step (complete); prev goes back. A ticket is assigned, answered and closed; a callback
# is taken, gets no answer (counted, taken again by a supervisor's assignment) and is done. Roles:
# a consultant of another queue lists nothing of this queue, a supervisor every queue, a visitor
# no command at all (forbidden). The same steps as the staff IQs: the stored rows show them.
# backends: sqlite mariadb
import adhoc_util as a
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | anna",
          "other | Inne | carol | 30s | least_busy | carol"]
HOURS = ["general | daily 08:00-16:00 | holidays open | slot 1h"]
ANNA = "anna@" + h.DOMAIN


def test():
    options = 'callback_days = 2\ncallback_attempts = 2\nsupervisors = ["sue"]\n'
    with lc.server(QUEUES, hours=HOURS, options=options) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=a.PLUGINS))
        carol = run(lc.consultant(server, "carol", "carol-Pass-1", plugins=a.PLUGINS))
        sue = run(lc.consultant(server, "sue", "sue-Pass-1", plugins=a.PLUGINS))
        v = run(lc.visitor(server, plugins=a.PLUGINS))

        question = "Czy mogę złożyć wniosek w sobotę?"
        tid = run(lc.send(lc.ticket_iq(v, email="ola@example.pl", question=question, name="Ola"), "ticket")).get("id")
        slot = run(lc.slots(v, "general"))[-1][0]
        cid = run(lc.send(lc.callback_iq(v, phone="601 234 567", slot=slot, topic="Dotacje", name="Ola"),
                          "callback")).get("id")

        # Who sees what (§2.2); the visitor is refused (§4.6 forbidden).
        assert run(a.nodes(v, lc.CHAT)) == {}
        assert run(a.refused(v, lc.CHAT, "callbacks")) == ("forbidden", "")
        for c in (anna, carol, sue):
            assert {a.NODE + "tickets", a.NODE + "callbacks"} <= set(run(a.nodes(c, lc.CHAT))), c.boundjid

        # carol works on another queue: this ticket is not hers to see.
        first = run(a.execute(carol, lc.CHAT, "tickets"))
        listed = run(a.execute(carol, lc.CHAT, "tickets", "next", first.get("sessionid"), show="open"))
        assert listed.get("status") == "completed" and a.notes(listed) == ["No open tickets."], a.notes(listed)

        # Ticket: stage 1 (which), stage 2 (the ticket and the step).
        first = run(a.execute(anna, lc.CHAT, "tickets"))
        sid = first.get("sessionid")
        assert first.get("status") == "executing" and a.actions(first) == ("next", ["next"])
        mine = run(a.execute(anna, lc.CHAT, "tickets", "next", sid, show="mine"))
        assert a.notes(mine) == ["No open ticket is assigned to you."], a.notes(mine)

        first = run(a.execute(anna, lc.CHAT, "tickets"))
        sid = first.get("sessionid")
        listed = run(a.execute(anna, lc.CHAT, "tickets", "next", sid, show="open"))
        assert a.actions(listed) == ("complete", ["prev", "complete"]), a.actions(listed)
        [(value, label)] = a.options(listed, "ticket")
        assert value == tid and question in label and "Ola" in label, label
        back = run(a.execute(anna, lc.CHAT, "tickets", "prev", sid))  # §3.4: the first stage again
        assert a.options(back, "show")[0][0] == "open"
        run(a.execute(anna, lc.CHAT, "tickets", "next", sid, show="open"))
        assert run(a.refused(anna, lc.CHAT, "tickets", "complete", sid, action="assign")) == ("bad-request", "bad-payload")
        done = run(a.execute(anna, lc.CHAT, "tickets", "complete", sid, ticket=tid, action="assign"))
        assert a.notes(done) == ["Ticket %s is assigned, assigned to %s." % (tid, ANNA)], a.notes(done)

        def ticket_step(c, show, **fields):
            s = run(a.execute(c, lc.CHAT, "tickets")).get("sessionid")
            run(a.execute(c, lc.CHAT, "tickets", "next", s, show=show))
            return a.notes(run(a.execute(c, lc.CHAT, "tickets", "complete", s, ticket=tid, **fields)))

        assert ticket_step(anna, "mine", action="answer", answer="Tak, w punkcie w Łodzi.") == \
            ["Ticket %s is answered, assigned to %s." % (tid, ANNA)]
        assert ticket_step(anna, "mine", action="close") == ["Ticket %s is closed, assigned to %s." % (tid, ANNA)]
        row = lc.wait_rows(server, "SELECT state, assignee, answer FROM livechat_tickets WHERE id = ?", (tid,),
                           lambda r: r and r[0][0] == "closed")
        assert row == [("closed", ANNA, "Tak, w punkcie w Łodzi.")], row

        # Callback: taken, no answer (counted, open again), a supervisor hands it back, done.
        def callback_step(c, show, **fields):
            s = run(a.execute(c, lc.CHAT, "callbacks")).get("sessionid")
            listed = run(a.execute(c, lc.CHAT, "callbacks", "next", s, show=show))
            assert cid in [v for v, _ in a.options(listed, "callback")], a.notes(listed)
            return a.notes(run(a.execute(c, lc.CHAT, "callbacks", "complete", s, callback=cid, **fields)))

        assert callback_step(anna, "open", action="assign") == ["Callback %s is assigned, attempts 0." % cid]
        assert callback_step(anna, "mine", action="no_answer") == \
            ["Callback %s is no_answer, attempts 1 of 2; it can be taken again." % cid]
        # sue supervises every queue although she is in none.
        assert callback_step(sue, "open", action="assign", assignee=ANNA) == ["Callback %s is assigned, attempts 1." % cid]
        assert callback_step(anna, "mine", action="done") == ["Callback %s is done, attempts 1." % cid]
        row = lc.wait_rows(server, "SELECT state, assignee, attempts FROM livechat_callbacks WHERE id = ?", (cid,),
                           lambda r: r and r[0][0] == "done")
        assert [tuple(str(x) for x in r) for r in row] == [("done", ANNA, "1")], row
        # Finished: no longer listed.
        s = run(a.execute(anna, lc.CHAT, "callbacks")).get("sessionid")
        assert a.notes(run(a.execute(anna, lc.CHAT, "callbacks", "next", s, show="open"))) == ["No open callbacks."]
        assert not m.messages_now(v, lambda s: "Łodzi" in (s["body"] or ""))


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
