# Callback requests (issue 6, docs/protocol.md "Callbacks"): <slots/> lists the free slots of the
# next working days within business hours (here 08:00-16:00 every day, 1-hour slots, so the list
# is the same shape whatever the wall clock); a visitor books one with a XEP-0004 form. An
# invalid phone number gets modify/bad-request "phone: not a valid number" (libphonenumber,
# region PL) and never reaches the log; a slot that was not offered is refused; a valid request
# is stored in E.164 and offered to the recipients and the queue's available consultants; staff
# move it requested -> assigned -> no_answer (counted) -> assigned -> done.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna, bob | 30s | least_busy | anna"]
HOURS = ["general | daily 08:00-16:00 | holidays open | slot 1h"]


def callback_element(st):
    return st.xml.find("{%s}callback" % lc.NS)


def test():
    with lc.server(QUEUES, hours=HOURS, options="callback_days = 2\ncallback_attempts = 2\n") as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-1"))
        v = run(lc.visitor(server))

        slots = run(lc.slots(v, "general"))
        # Two working days of 8 one-hour slots, less those of today that have started.
        assert 8 <= len(slots) <= 16, slots
        for start, end in slots:
            assert start[11:13] >= "08" and end[11:13] <= "16" and start[16:19] == ":00", (start, end)
            assert lc.instant(end) - lc.instant(start) == 3600
        assert run(lc.error_of(v.raw_iq("get", lc.CHAT, "<slots xmlns='%s' queue='nosuch'/>" % lc.NS)))[0] == \
            "item-not-found"
        slot = slots[-1][0]

        cond, text = run(lc.error_of(lc.callback_iq(v, phone="123", slot=slot, topic="Dotacje")))
        assert (cond, text) == ("bad-request", "phone: not a valid number"), (cond, text)
        # A slot not offered: a time between two slots.
        not_offered = slot[:14] + "30" + slot[16:]
        cond, text = run(lc.error_of(lc.callback_iq(v, phone="601 234 567", slot=not_offered)))
        assert cond == "bad-request" and text.startswith("slot"), (cond, text)

        booked = run(lc.send(lc.callback_iq(v, phone="601 234 567", slot=slot, topic="Dotacje", name="Ola"), "callback"))
        cid = booked.get("id")
        assert booked.get("state") == "requested" and booked.get("slot") == slot, booked.attrib

        # Offered to the recipient and the available consultants of the queue.
        for c in (anna, bob):
            st = run(m.next_message(c, lambda s: callback_element(s) is not None, "the callback offer"))
            assert callback_element(st).get("id") == cid and callback_element(st).get("slot") == slot
            assert "+48601234567" in st["body"] and "Dotacje" in st["body"], st["body"]

        def act(c, action):
            r = run(lc.staff(c, "<callback xmlns='%s' id='%s' action='%s'/>" % (lc.NS, cid, action)))
            return r.xml.find("{%s}callback" % lc.NS)

        assert act(bob, "assign").get("assignee") == "bob@" + h.DOMAIN
        r = act(bob, "no_answer")
        assert (r.get("state"), r.get("attempts")) == ("no_answer", "1"), r.attrib
        assert act(anna, "assign").get("state") == "assigned"  # a retry
        listed = run(lc.staff(anna, "<callbacks xmlns='%s'/>" % lc.NS, "get"))
        items = listed.xml.find("{%s}callbacks" % lc.NS).findall("{%s}callback" % lc.NS)
        assert [(i.get("id"), i.get("phone"), i.get("attempts")) for i in items] == [(cid, "+48601234567", "1")]
        assert act(anna, "done").get("state") == "done"
        cond, _ = run(lc.error_of(anna.raw_iq("set", lc.CHAT, "<callback xmlns='%s' id='%s' action='done'/>" % (lc.NS, cid))))
        assert cond == "item-not-found"  # finished callbacks leave the working list

        row = lc.wait_rows(server, "SELECT state, phone, attempts, assignee, data_class FROM livechat_callbacks "
                                   "WHERE id = ?", (cid,), lambda r: r and r[0][0] == "done")
        assert tuple(str(x) for x in row[0]) == ("done", "+48601234567", "1", "anna@" + h.DOMAIN, "livechat_callback"), row

        # The booked slot is free again once the callback is done; a refused number never in the log.
        assert slot in [s for s, _ in run(lc.slots(v, "general"))]
        log = open(server.log_path, encoding="utf-8", errors="replace").read()
        assert "601 234 567" not in log and "+48601234567" not in log and "601234567" not in log


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
