# Offline tickets (issue 6, docs/protocol.md "Tickets"): a visitor (XEP-0175 anonymous) leaves a
# ticket with a XEP-0004 form when the queue is offline; wrong forms get bad-request naming the
# field, an old notice not-acceptable, an unknown queue item-not-found, a non-visitor not-allowed.
# The recipient consultant gets a message with the question and a <ticket/> element; staff of the
# queue list, assign, answer and close it, others are refused (forbidden). The row keeps client
# and data class. A session may send at most submissions_per_session requests.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | anna, boss", "other | Inne | carol | 30s | least_busy | carol"]


def ticket_element(st):
    return st.xml.find("{%s}ticket" % lc.NS)


def test():
    with lc.server(QUEUES, options='notice_version = "2026-01"\nsubmissions_per_session = 3\n') as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        anna.send_presence(pto=lc.CHAT, ptype="unavailable")  # away: the queue is offline
        boss = run(lc.consultant(server, "boss", "boss-Pass-1"))
        carol = run(lc.consultant(server, "carol", "carol-Pass-1"))
        v = run(lc.visitor(server))
        question = "Czy mogę złożyć wniosek <online> & w sobotę?"

        # Refusals, each naming what is wrong (RFC 6120 §8.3 errors with <text/>).
        cond, text = run(lc.error_of(lc.ticket_iq(v, email="nie-adres", question=question)))
        assert cond == "bad-request" and text.startswith("email"), (cond, text)
        cond, text = run(lc.error_of(lc.ticket_iq(v, email="ola@example.pl")))
        assert cond == "bad-request" and text.startswith("question"), (cond, text)
        cond, text = run(lc.error_of(lc.ticket_iq(v, email="ola@example.pl", question="x" * 4001)))
        assert cond == "bad-request" and text.startswith("question"), (cond, text)
        cond, _ = run(lc.error_of(lc.ticket_iq(v, email="ola@example.pl", question=question, notice_version="2025-01")))
        assert cond == "not-acceptable"
        cond, _ = run(lc.error_of(lc.ticket_iq(v, queue="nosuch", email="ola@example.pl", question=question)))
        assert cond == "item-not-found"
        cond, _ = run(lc.error_of(lc.ticket_iq(anna, email="ola@example.pl", question=question)))
        assert cond == "not-allowed"  # staff do not leave tickets as visitors

        ticket = run(lc.send(lc.ticket_iq(v, email="ola@example.pl", question=question, name="Ola"), "ticket"))
        tid = ticket.get("id")
        assert tid and ticket.get("state") == "open", ticket.attrib

        # Both recipients get it: the question in the body, the ticket element for applications.
        for c in (anna, boss):
            st = run(m.next_message(c, lambda s: ticket_element(s) is not None, "the ticket notification"))
            assert str(st["from"]) == lc.CHAT
            assert ticket_element(st).get("id") == tid and ticket_element(st).get("queue") == "general"
            assert question in st["body"] and "ola@example.pl" in st["body"], st["body"]
        assert not m.messages_now(carol, lambda s: ticket_element(s) is not None)  # another queue's staff

        # Staff list it; carol (another queue) sees nothing of it and may not touch it.
        listed = run(lc.staff(anna, "<tickets xmlns='%s'/>" % lc.NS, "get"))
        items = listed.xml.find("{%s}tickets" % lc.NS).findall("{%s}ticket" % lc.NS)
        assert [t.get("id") for t in items] == [tid], listed
        assert items[0].findtext("{%s}question" % lc.NS) == question and items[0].get("email") == "ola@example.pl"
        listed = run(lc.staff(carol, "<tickets xmlns='%s'/>" % lc.NS, "get"))
        assert listed.xml.find("{%s}tickets" % lc.NS).findall("{%s}ticket" % lc.NS) == []
        cond, _ = run(lc.error_of(carol.raw_iq("set", lc.CHAT, "<ticket xmlns='%s' id='%s' action='close'/>" % (lc.NS, tid))))
        assert cond == "forbidden"
        cond, _ = run(lc.error_of(v.raw_iq("get", lc.CHAT, "<tickets xmlns='%s'/>" % lc.NS)))
        assert cond == "forbidden"  # a visitor reads no one's tickets

        # assign -> answer -> close.
        done = run(lc.staff(anna, "<ticket xmlns='%s' id='%s' action='assign' assignee='boss@%s'/>" % (lc.NS, tid, h.DOMAIN)))
        assert done.xml.find("{%s}ticket" % lc.NS).get("state") == "assigned"
        assert done.xml.find("{%s}ticket" % lc.NS).get("assignee") == "boss@" + h.DOMAIN
        done = run(lc.staff(boss, "<ticket xmlns='%s' id='%s' action='answer'><answer>Tak, przez ePUAP.</answer></ticket>"
                            % (lc.NS, tid)))
        assert done.xml.find("{%s}ticket" % lc.NS).get("state") == "answered"
        done = run(lc.staff(boss, "<ticket xmlns='%s' id='%s' action='close'/>" % (lc.NS, tid)))
        assert done.xml.find("{%s}ticket" % lc.NS).get("state") == "closed"
        cond, _ = run(lc.error_of(boss.raw_iq("set", lc.CHAT, "<ticket xmlns='%s' id='%s' action='close'/>" % (lc.NS, tid))))
        assert cond == "item-not-found"  # closed tickets leave the working list
        listed = run(lc.staff(anna, "<tickets xmlns='%s'/>" % lc.NS, "get"))
        assert listed.xml.find("{%s}tickets" % lc.NS).findall("{%s}ticket" % lc.NS) == []

        row = lc.wait_rows(server, "SELECT state, assignee, email, question, answer, data_class, client "
                                   "FROM livechat_tickets WHERE id = ?", (tid,), lambda r: r and r[0][0] == "closed")
        state, assignee, email, stored, answer, data_class, client = row[0]
        assert (state, assignee, email, stored, answer) == ("closed", "boss@" + h.DOMAIN, "ola@example.pl", question,
                                                             "Tak, przez ePUAP."), row
        assert data_class == "livechat_ticket" and client and "ola" not in client, row
        # The client (docs/protocol.md "Clients") is linked by the address's SHA-256, never the address.
        keys = lc.rows(server, "SELECT kind, key_hash FROM livechat_client_keys WHERE client = ?", (client,))
        assert [k for k, _ in keys] == ["email"] and len(keys[0][1]) == 64 and "ola" not in keys[0][1], keys

        # The question is in the one archive, under the queue's JID, with the ticket as conversation.
        archived = lc.wait_rows(server, "SELECT owner, conversation, data_class FROM archive WHERE conversation = ?",
                                (tid,))
        assert archived == [("general@" + lc.CHAT, tid, "livechat_ticket")], archived

        # The rate limit: 3 per session here; this session has sent 1.
        for i in range(2):
            run(lc.send(lc.ticket_iq(v, email="ola@example.pl", question="Pytanie %d" % i), "ticket"))
        cond, text = run(lc.error_of(lc.ticket_iq(v, email="ola@example.pl", question="Za dużo")))
        assert cond == "policy-violation", (cond, text)
        # No addresses or questions in the log (DESIGN.md privacy).
        log = open(server.log_path, encoding="utf-8", errors="replace").read()
        assert "ola@example.pl" not in log and "Pytanie 1" not in log and "ePUAP" not in log


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
