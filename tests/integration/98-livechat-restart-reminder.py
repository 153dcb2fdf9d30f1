# Tickets, callbacks and the callback reminder survive a restart (issue 6: stored rows, timers
# rebuilt at start). The queue is open all day with 10-second slots, so a slot starts soon
# whatever the wall clock: the visitor books one at least 15 s ahead, a consultant takes it, the
# server is stopped and started again before the slot, and at the slot the reminder reaches the
# assignee (a message from chat.localhost with the phone and a <callback reminder='true'/>). The
# open ticket is still listed after the restart. Waits are bounded; nothing is timed.
# backends: sqlite mariadb
import time

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["quick | Szybki oddzwoń | anna | 30s | least_busy | anna"]
HOURS = ["quick | daily 00:00-24:00 | holidays open | slot 10s"]


def reminder(st):
    e = st.xml.find("{%s}callback" % lc.NS)
    return e is not None and e.get("reminder") == "true"


def test():
    with lc.server(QUEUES, hours=HOURS, options="callback_slots_max = 50\n") as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        v = run(lc.visitor(server))
        ticket = run(lc.send(lc.ticket_iq(v, queue="quick", email="jan@example.pl", question="Proszę o kontakt"),
                             "ticket"))
        slots = run(lc.slots(v, "quick"))
        slot = next(s for s, _ in slots if lc.instant(s) >= time.time() + 15)
        booked = run(lc.send(lc.callback_iq(v, queue="quick", phone="+48 22 123 45 67", slot=slot), "callback"))
        cid = booked.get("id")
        r = run(lc.staff(anna, "<callback xmlns='%s' id='%s' action='assign'/>" % (lc.NS, cid)))
        assert r.xml.find("{%s}callback" % lc.NS).get("state") == "assigned"
        lc.wait_rows(server, "SELECT state FROM livechat_callbacks WHERE id = ?", (cid,),
                     lambda rows: rows and rows[0][0] == "assigned")
        assert not m.messages_now(anna, reminder)

        server.restart()
        run(lc.lost(anna, v))
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        listed = run(lc.staff(anna, "<tickets xmlns='%s'/>" % lc.NS, "get"))
        ids = [t.get("id") for t in listed.xml.find("{%s}tickets" % lc.NS).findall("{%s}ticket" % lc.NS)]
        assert ids == [ticket.get("id")], ids
        listed = run(lc.staff(anna, "<callbacks xmlns='%s'/>" % lc.NS, "get"))
        items = listed.xml.find("{%s}callbacks" % lc.NS).findall("{%s}callback" % lc.NS)
        assert [(i.get("id"), i.get("state"), i.get("slot")) for i in items] == [(cid, "assigned", slot)], listed

        # The reminder, from the timer rebuilt at start, at the slot (bounded wait, not timed).
        st = run(m.next_message(anna, reminder, "the callback reminder", timeout=60), timeout=70)
        assert str(st["from"]) == lc.CHAT and "+48221234567" in st["body"] and slot in st["body"], st["body"]
        assert st.xml.find("{%s}callback" % lc.NS).get("id") == cid
        # Recorded, so another restart does not send it again.
        lc.wait_rows(server, "SELECT reminded_us FROM livechat_callbacks WHERE id = ?", (cid,),
                     lambda rows: rows and int(rows[0][0]) > 0)
        server.restart()
        run(lc.lost(anna))
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        run(anna.sync())
        assert not m.messages_now(anna, reminder)


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
