# Agent status and picking from the queue (issue 6, docs/protocol.md "Hand-offs"): a consultant
# is available when a resource is available (RFC 6121 §4.6 directed presence) AND its agent status
# is `available`. The status is set by a message to chat.localhost ("!status break", any client),
# by IQ, or by an <agent-status/> child of the presence; routing and <queues/> honour it, and it
# is stored: after a restart the status is still there. A queue member picks a waiting
# conversation by IQ or "!pick": it gets the room as a XEP-0249 invitation (§2), a pending offer
# to a colleague is withdrawn (the colleague is told, and its join is refused, XEP-0045 §7.2.1
# error presence), and the transitions are stored.
# backends: sqlite mariadb
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NS = lc.NS


def test():
    with lc.server(["general | Pytania ogólne | anna, bob | 30s"]) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        bob = run(lc.consultant(server, "bob", "bob-Pass-2"))
        # Anna, any client: a body to chat.localhost.
        lc.tell_service(anna, "!status break")
        run(lc.service_says(anna, "Agent status: break"))
        # Bob by IQ.
        got = run(lc.handoff(bob, "<agent-status xmlns='%s' value='after-call-work'/>" % NS, "agent-status"))
        assert got.get("value") == "after-call-work" and got.get("routable") == "false", got
        assert run(lc.error_of(bob.raw_iq("set", lc.CHAT, "<agent-status xmlns='%s' value='lunch'/>" % NS)))[0] \
            == "bad-request"
        # Both online, neither available: the widget is told nobody can answer now.
        assert run(lc.queues(anna))["general"]["available"] == "false"

        # A visitor waits: nobody is offered the conversation.
        v1 = run(lc.visitor(server))
        j1 = run(lc.join(v1, "Pytanie pierwsze"))
        run(m.next_message(v1, lambda s: s.xml.find("{%s}queue" % NS) is not None, "a queue position"))
        for c in (anna, bob):
            run(c.sync())
            assert not lc.offers_now(c), lc.offers_now(c)

        # Anna picks it by IQ, while on a break: picking is her own act.
        picked = run(lc.handoff(anna, "<pick xmlns='%s' queue='general'/>" % NS, "picked"))
        assert picked.get("conversation") == j1["conversation"] and picked.get("room") == j1["room"], picked
        run(lc.invitation(anna, j1["room"]))
        own = run(m.join(anna, j1["room"], "Anna"))[0]
        assert m.item(own).get("affiliation") == "admin"
        run(m.next_presence(v1, lambda p: str(p["from"]) == j1["room"] + "/Anna", "anna, seen by the visitor"))
        lc.say(anna, j1["room"], "Dzień dobry, tu Anna")
        run(lc.room_message(v1, j1["room"], "Dzień dobry, tu Anna"))

        # Bob becomes available with a presence child: the next visitor is offered to him.
        bob.send_raw("<presence to='%s'><agent-status xmlns='%s' value='available'/></presence>" % (lc.CHAT, NS))
        v2 = run(lc.visitor(server))
        j2 = run(lc.join(v2, "Pytanie drugie"))
        assert run(lc.offer(bob, "the offer after bob's status change"))[0] == j2["room"]
        # Anna, any client: "!pick" takes it from under the offer.
        lc.tell_service(anna, "!pick")
        run(lc.invitation(anna, j2["room"]))
        run(lc.service_says(bob, "withdrawn: a colleague took it"))
        assert run(m.join_error(bob, j2["room"], "Bob")) == "not-allowed"
        run(m.join(anna, j2["room"], "Anna"))
        run(m.next_presence(v2, lambda p: str(p["from"]) == j2["room"] + "/Anna", "anna in the second room"))

        # Nothing waits now.
        assert run(lc.error_of(anna.raw_iq("set", lc.CHAT, "<pick xmlns='%s'/>" % NS)))[0] == "item-not-found"
        # A visitor cannot pick.
        assert run(lc.error_of(v2.raw_iq("set", lc.CHAT, "<pick xmlns='%s'/>" % NS)))[0] == "forbidden"

        cid2 = j2["conversation"]
        events = [r[0] for r in lc.wait_rows(server, "SELECT event FROM livechat_transitions WHERE conversation = ? "
                                                     "ORDER BY id", (cid2,), lambda r: r and r[-1][0] == "picked")]
        assert events == ["joined", "offered", "picked"], events
        offers = lc.rows(server, "SELECT consultant, state FROM livechat_offers WHERE conversation = ?", (cid2,))
        assert offers == [("bob@localhost", "withdrawn")], offers
        state = lc.rows(server, "SELECT state, consultant FROM livechat_conversations WHERE id = ?", (cid2,))
        assert state == [("active", "anna@localhost")], state

        # The agent status is stored: after a restart anna is still on her break.
        lc.kill(server)
        run(lc.lost(anna, bob, v1, v2))
        server.start()
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", new=False))
        got = run(_status_after_start(anna))
        assert got.get("value") == "break" and got.get("routable") == "false", got
        lc.tell_service(anna, "!status available")
        run(lc.service_says(anna, "Agent status: available"))
        assert run(lc.queues(anna))["general"]["available"] == "true"


async def _status_after_start(c):
    # Until the service has read its stored state it answers resource-constraint (bounded wait).
    import asyncio
    from slixmpp.exceptions import IqError
    for _ in range(100):
        try:
            return await lc.handoff(c, "<agent-status xmlns='%s'/>" % NS, "agent-status", itype="get")
        except IqError as e:
            assert e.iq["error"]["condition"] == "resource-constraint", e.iq
            await asyncio.sleep(0.1)
    raise AssertionError("the service did not finish starting")


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
