# The end of a conversation from the visitor's side (issues 6 and 7, docs/protocol.md "Leaving,
# rating, transcript"): a visitor cancels while queued and while an offer is pending (the offer
# is withdrawn and the consultant told), ends an active conversation (the consultant is told in
# the room, the room destroyed, XEP-0045 §10.9); the token is dead for rejoining afterwards
# (RFC 6120 §8.3.3.5 <gone/>). After a close by either side the visitor rates once (a second
# rating is a conflict, RFC 6120 §8.3.3.3) and asks once for the transcript by e-mail to the
# form's address (refused, and nothing stored, without one); the consultant is told both and
# staff read them with <feedback/>. After a SIGKILL and a restart the same holds.
# backends: sqlite mariadb
import asyncio

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from slixmpp.exceptions import IqError
from xmpp_clients import run

NS = lc.NS


def leave(v, token):
    return v.raw_iq("set", lc.CHAT, "<leave xmlns='%s' token='%s'/>" % (NS, token))


def rate(v, token, rating, comment=""):
    body = "<comment>%s</comment>" % lc.xml_escape(comment) if comment else ""
    return v.raw_iq("set", lc.CHAT, "<rate xmlns='%s' token='%s' rating='%s'>%s</rate>" % (NS, token, rating, body))


def transcript(v, token):
    return v.raw_iq("set", lc.CHAT, "<transcript xmlns='%s' token='%s'/>" % (NS, token))


def rejoin(v, token):
    return v.raw_iq("set", lc.CHAT, "<rejoin xmlns='%s' token='%s'/>" % (NS, token))


def feedback(c, conversation):
    return c.raw_iq("get", lc.CHAT, "<feedback xmlns='%s' conversation='%s'/>" % (NS, conversation))


def from_service(c, text, describe):
    return run(m.next_message(c, lambda s: str(s["from"]) == lc.CHAT and text in s["body"], describe))


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"]) as server:
        bob = server.adduser("bob", "bob-Pass-1")  # an account of D, not a member of the queue

        # 1. Cancel while queued (nobody available yet): closed, by the visitor, token dead.
        v1 = run(lc.visitor(server))
        j1 = run(lc.join(v1, "Pytanie bez odpowiedzi"))
        left = run(lc.send(leave(v1, j1["token"]), "left"))
        assert left.get("conversation") == j1["conversation"] and left.get("by") == "visitor_cancelled", left.attrib
        assert left.get("transcript") == "unavailable" and left.get("rating") == "none", left.attrib
        assert run(lc.error_of(rejoin(v1, j1["token"])))[0] == "gone"
        assert run(lc.error_of(leave(v1, j1["token"])))[0] == "gone"
        # No address in the form: the transcript is refused and nothing is stored.
        cond, text = run(lc.error_of(transcript(v1, j1["token"])))
        assert cond == "not-acceptable" and "e-mail" in text, (cond, text)

        # 2. Cancel while the offer is pending: the offer is withdrawn and anna told why.
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        v2 = run(lc.visitor(server))
        j2 = run(lc.join(v2, "Drugie pytanie"))
        room2, _ = run(lc.offer(anna))
        assert room2 == j2["room"]
        left = run(lc.send(leave(v2, j2["token"]), "left"))
        assert left.get("by") == "visitor_cancelled", left.attrib
        from_service(anna, "withdrawn: the visitor cancelled", "the withdrawn offer")
        assert run(m.join_error(anna, room2, "Anna")) == "not-allowed"

        # 3. End while active: anna is told in the room, which is destroyed (XEP-0045 §10.9).
        v3 = run(lc.visitor(server))
        j3 = run(lc.join(v3, "Trzecie pytanie", email="jan.kowalski@example.org"))
        room3, _ = run(lc.offer(anna))
        run(m.join(anna, room3, "Anna"))
        lc.say(anna, room3, "Dzień dobry")
        run(lc.room_message(v3, room3, "Dzień dobry"))
        # Rating before the end is refused (not-allowed); the transcript may be asked for later.
        assert run(lc.error_of(rate(v3, j3["token"], 5)))[0] == "not-allowed"
        left = run(lc.send(leave(v3, j3["token"]), "left"))
        assert left.get("by") == "visitor_ended" and left.get("transcript") == "available", left.attrib
        assert left.get("feedback_until", "").endswith("Z"), left.attrib
        run(lc.service_reply(anna, room3, "The visitor ended the conversation."))
        run(m.next_presence(anna, lambda p: p["from"].bare == room3 and p["type"] == "unavailable" and
                            p.xml.find(m.MUC_USER + "x/" + m.MUC_USER + "destroy") is not None, "the destroy notice"))
        assert run(lc.error_of(rejoin(v3, j3["token"])))[0] == "gone"

        # Rating once; anna learns it by message (the room is gone); a second one is a conflict.
        rated = run(lc.send(rate(v3, j3["token"], 4, "Szybko & konkretnie"), "rated"))
        assert rated.get("rating") == "4"
        msg = from_service(anna, "rated conversation " + j3["conversation"], "the rating")
        assert "4/5" in msg["body"] and "Szybko & konkretnie" in msg["body"], msg["body"]
        assert run(lc.error_of(rate(v3, j3["token"], 1)))[0] == "conflict"
        assert run(lc.error_of(rate(v3, j3["token"], 9)))[0] in ("conflict", "bad-request")

        # The transcript: once, stored as requested, shown to anna.
        t = run(lc.send(transcript(v3, j3["token"]), "transcript"))
        assert t.get("state") == "requested", t.attrib
        from_service(anna, "asked for the transcript by e-mail", "the transcript request")
        assert run(lc.error_of(transcript(v3, j3["token"])))[0] == "conflict"

        # 4. Anna closes: the visitor's <closed/> offers the rating; no address, no transcript.
        v4 = run(lc.visitor(server))
        j4 = run(lc.join(v4, "Czwarte pytanie"))
        room4, _ = run(lc.offer(anna))
        run(m.join(anna, room4, "Anna"))
        lc.say(anna, room4, "!close")
        closed = run(m.next_message(v4, lambda s: s.xml.find("{%s}closed" % NS) is not None, "<closed/>"))
        closed = closed.xml.find("{%s}closed" % NS)
        assert closed.get("by") == "consultant" and closed.get("transcript") == "unavailable", closed.attrib
        assert run(lc.send(rate(v4, j4["token"], 5), "rated")).get("rating") == "5"
        assert run(lc.error_of(rejoin(v4, j4["token"])))[0] == "gone"

        # Staff read the feedback of their queue's conversations; others are refused.
        fb = run(lc.send(feedback(anna, j3["conversation"]), "feedback"))
        assert fb.get("closed_by") == "visitor_ended" and fb.get("rating") == "4", fb.attrib
        assert fb.get("transcript") == "requested" and fb.get("transcript_requested"), fb.attrib
        assert fb.findtext("{%s}comment" % NS) == "Szybko & konkretnie"
        assert "example.org" not in str(fb.attrib)  # the address stays with the mail bridge
        b = run(lc.consultant(server, "bob", "bob-Pass-1", new=False))
        assert run(lc.error_of(feedback(b, j3["conversation"])))[0] == "forbidden"
        # A bad address in the form is refused before anything is made.
        v5 = run(lc.visitor(server))
        iq = v5.raw_iq("set", lc.CHAT, "<join xmlns='%s' queue='general'>%s</join>"
                       % (NS, lc.join_form("Piąte", email="nie-adres")))
        assert run(lc.error_of(iq))[0] == "bad-request"

        # Stored: who closed, the rating, the transcript request; nothing for v1's refused one.
        c1, c2, c3, c4 = (j["conversation"] for j in (j1, j2, j3, j4))
        got = lc.wait_rows(server, "SELECT closed_by, rating, comment, transcript, email FROM livechat_feedback "
                           "WHERE conversation = ?", (c3,), lambda r: r and r[0][3] == "requested")
        assert got == [("visitor_ended", 4 if server.backend == "sqlite" else "4", "Szybko & konkretnie",
                        "requested", "jan.kowalski@example.org")], got
        got = lc.wait_rows(server, "SELECT closed_by, transcript, email FROM livechat_feedback WHERE conversation = ?",
                           (c1,))
        assert got == [("visitor_cancelled", "none", "")], got
        got = lc.wait_rows(server, "SELECT closed_by FROM livechat_feedback WHERE conversation = ?", (c2,))
        assert got == [("visitor_cancelled",)], got
        got = lc.wait_rows(server, "SELECT closed_by, rating FROM livechat_feedback WHERE conversation = ?", (c4,),
                           lambda r: r and str(r[0][1]) == "5")
        assert got[0][0] == "consultant", got
        for cid in (c1, c2, c3):
            states = lc.rows(server, "SELECT state FROM livechat_conversations WHERE id = ?", (cid,))
            assert states == [("closed",)], (cid, states)
            last = lc.rows(server, "SELECT event, actor FROM livechat_transitions WHERE conversation = ? "
                                   "ORDER BY id DESC LIMIT 1", (cid,))
            assert last == [("closed", "visitor")], (cid, last)
        offers = lc.rows(server, "SELECT state FROM livechat_offers WHERE conversation = ?", (c2,))
        assert offers == [("withdrawn",)], offers

        # Killed and restarted within the feedback window: the ended conversations are read back,
        # so the dead tokens still rate once, and still do not rejoin.
        lc.kill(server)
        run(lc.lost(anna, v1, v2, v3, v4, v5))
        server.start()
        v6 = run(lc.visitor(server))
        # Until the service has read its state back it answers wait/resource-constraint (bounded).
        for _ in range(100):
            try:
                rated = run(lc.send(rate(v6, j1["token"], 2), "rated"))
                break
            except IqError as e:
                assert e.iq["error"]["condition"] == "resource-constraint", e.iq
                run(asyncio.sleep(0.1))
        assert rated.get("rating") == "2"
        assert run(lc.error_of(rate(v6, j3["token"], 5)))[0] == "conflict"
        assert run(lc.error_of(transcript(v6, j3["token"])))[0] == "conflict"
        assert run(lc.error_of(rejoin(v6, j4["token"])))[0] == "gone"


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
