# The visitor's whole offline path as the widget drives it (issue 6 "Done when": with all
# consultants away the visitor files a ticket, and a callback request reaches an online
# consultant): the queue's consultant is away (unavailable presence to chat.localhost, RFC 6121
# §4.6), so <queues/> says mode='offline' and a join gets <offline reason='nobody'/>; the visitor
# files a ticket, which the recipient (online, not a member) gets; it books a callback, which the
# recipient gets too. An account cannot book a callback (visitors only), the per-session limit
# counts tickets and callbacks together, and a new session may submit again.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | kierownik"]


def test():
    with lc.server(QUEUES, options="submissions_per_session = 2\n") as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        boss = run(lc.consultant(server, "kierownik", "boss-Pass-1"))
        anna.send_presence(pto=lc.CHAT, ptype="unavailable")  # away
        v = run(lc.visitor(server))
        # The unavailable presence and the <queues/> query travel different ways: ask until the
        # service has seen it (bounded).
        for _ in range(100):
            listed = run(lc.queues(v))["general"]
            if listed["available"] == "false":
                break
        assert listed["mode"] == "offline" and listed["open"] == "true", listed
        iq = v.raw_iq("set", lc.CHAT, "<join xmlns='%s' queue='general'>%s</join>" % (lc.NS, lc.join_form("Pytanie")))
        assert run(lc.send(iq, "offline")).get("reason") == "nobody"

        tid = run(lc.send(lc.ticket_iq(v, email="jan@example.pl", question="Kiedy nabór?"), "ticket")).get("id")
        st = run(m.next_message(boss, lambda s: s.xml.find("{%s}ticket" % lc.NS) is not None, "the ticket"))
        assert "Kiedy nabór?" in st["body"] and st.xml.find("{%s}ticket" % lc.NS).get("id") == tid

        slot = run(lc.slots(v, "general"))[0][0]
        cond, _ = run(lc.error_of(lc.callback_iq(anna, phone="601234567", slot=slot)))
        assert cond == "not-allowed"  # an account is not a visitor
        cid = run(lc.send(lc.callback_iq(v, phone="+48 601 234 567", slot=slot, topic="Nabór"), "callback")).get("id")
        st = run(m.next_message(boss, lambda s: s.xml.find("{%s}callback" % lc.NS) is not None, "the callback"))
        assert st.xml.find("{%s}callback" % lc.NS).get("id") == cid and "+48601234567" in st["body"]
        # The away consultant is not offered the callback.
        run(anna.sync())
        assert not m.messages_now(anna, lambda s: s.xml.find("{%s}callback" % lc.NS) is not None)

        # Two per session here, tickets and callbacks together; a new session starts again.
        cond, _ = run(lc.error_of(lc.ticket_iq(v, email="jan@example.pl", question="Jeszcze raz")))
        assert cond == "policy-violation"
        v2 = run(lc.visitor(server))
        run(lc.send(lc.ticket_iq(v2, email="jan@example.pl", question="Jeszcze raz"), "ticket"))


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
