# XEP-0050 sessions and rights on chat.D (docs/protocol.md "XEP-0050 commands"), with slixmpp's
# xep_0050 plugin: an account that is not staff lists no command (§2.2) and is refused on a
# command node's disco#info and on execute (forbidden, §4.6); a consultant who is not in a
# conversation sees no command on its room; a requester who opens more sessions than allowed
# loses its oldest (session-expired) while the newest still work, so no input grows memory;
# a session belongs to the full JID that opened it (§3.3): another resource of the same account
# gets bad-sessionid.
import adhoc_util as a
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from slixmpp.exceptions import IqError
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s", "other | Inne | bob | 30s"]


def test():
    with lc.server(QUEUES) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1", plugins=a.PLUGINS))
        bob = run(lc.consultant(server, "bob", "bob-Pass-1", plugins=a.PLUGINS))
        eve_jid = server.adduser("eve", "eve-Pass-1")
        eve = run(lc.Client(eve_jid, "eve-Pass-1", plugins=a.PLUGINS).login(server.ports["c2s"]))

        # Not staff: nothing listed, the node's description and execution refused.
        assert run(a.nodes(eve, lc.CHAT)) == {}
        try:
            run(eve["xep_0030"].get_info(lc.CHAT, node=a.NODE + "queues", timeout=10))
            raise AssertionError("eve read the command node")
        except IqError as e:
            assert e.iq["error"]["condition"] == "forbidden", e.iq
        assert run(a.refused(eve, lc.CHAT, "queues")) == ("forbidden", "")

        # A conversation of anna's queue: bob (another queue, not in it) sees none of its commands.
        v = run(lc.visitor(server, plugins=a.PLUGINS))
        room = run(lc.join(v, "Pytanie"))["room"]
        run(lc.offer(anna))
        run(m.join(anna, room, "Anna"))
        assert set(run(a.nodes(anna, room))) == {a.NODE + n for n in ("note", "tag", "untag", "close")}
        assert run(a.nodes(bob, room)) == {}
        assert run(a.refused(bob, room, "note")) == ("forbidden", "")

        # Sessions are bounded per requester: the oldest goes when a ninth opens.
        sids = [run(a.execute(anna, lc.CHAT, "tickets")).get("sessionid") for _ in range(20)]
        assert len(set(sids)) == 20
        assert run(a.refused(anna, lc.CHAT, "tickets", "next", sids[0], show="open")) == \
            ("not-allowed", "session-expired")
        listed = run(a.execute(anna, lc.CHAT, "tickets", "next", sids[-1], show="open"))
        assert a.notes(listed) == ["No open tickets."], a.notes(listed)
        # The other open ones can still be canceled; 8 at most were kept.
        kept = 0
        for sid in sids[:-1]:
            try:
                if run(a.execute(anna, lc.CHAT, "tickets", "cancel", sid)).get("status") == "canceled":
                    kept += 1
            except IqError as e:
                assert e.iq.xml.find(".//{%s}session-expired" % a.COMMANDS) is not None, e.iq
        assert kept == 7, kept

        # A session is its full JID's: anna's second resource cannot continue it.
        sid = run(a.execute(anna, lc.CHAT, "callbacks")).get("sessionid")
        phone = run(lc.consultant(server, "anna", "anna-Pass-1", new=False, plugins=a.PLUGINS))
        assert run(a.refused(phone, lc.CHAT, "callbacks", "next", sid, show="open")) == ("bad-request", "bad-sessionid")
        assert run(a.execute(anna, lc.CHAT, "callbacks", "cancel", sid)).get("status") == "canceled"


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
