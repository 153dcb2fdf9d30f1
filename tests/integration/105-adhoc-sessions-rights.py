# XEP-0050 sessions and rights on chat.D (docs/protocol.md "XEP-0050 commands"), with slixmpp's
# xep_0050 plugin: an account that is not staff lists no command (§2.2) and is refused on a
# command node's disco#info and on execute (forbidden, §4.6); a consultant who is not in a
# conversation sees no command on its room; a requester who opens more sessions than allowed
# loses its oldest (session-expired) while the newest still work, so no input grows memory;
# a session belongs to the full JID that opened it (§3.3): another resource of the same account
# gets bad-sessionid. The same commands from a client written with libstrophe
# (105-libstrophe-adhoc.c): the list, a session started, a wrong action, cancel, a result form.
import os
import subprocess
import xml.etree.ElementTree as ET

import adhoc_util as a
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from slixmpp.exceptions import IqError
from xmpp_clients import run

STROPHE = os.path.join(h.BUILD_DIR, "tests", "libstrophe_adhoc")
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

        # libstrophe: list, start, a wrong action (bad-action), cancel, then a one-stage command.
        assert os.path.exists(STROPHE), "%s is not built (libstrophe-dev missing?)" % STROPHE
        cmd = "<iq type='set' to='%s'><command xmlns='%s' node='%s' %%s/></iq>" % (lc.CHAT, a.COMMANDS, a.NODE + "tickets")
        iqs = ["<iq type='get' to='%s'><query xmlns='http://jabber.org/protocol/disco#items' node='%s'/></iq>"
               % (lc.CHAT, a.COMMANDS),
               cmd % "action='execute'",
               cmd % "action='prev' sessionid='{sessionid}'",
               cmd % "action='cancel' sessionid='{sessionid}'",
               "<iq type='set' to='%s'><command xmlns='%s' node='%s'/></iq>" % (lc.CHAT, a.COMMANDS, a.NODE + "queues")]
        r = subprocess.run([STROPHE, "anna@" + h.DOMAIN, str(server.ports["c2s"])] + iqs, input="anna-Pass-1\n",
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, "libstrophe client failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr[-4000:])
        replies = [ET.fromstring(line[len("reply "):]) for line in r.stdout.splitlines() if line.startswith("reply ")]
        assert len(replies) == 5, r.stdout
        c = "{%s}" % a.COMMANDS
        items = replies[0].findall(".//{http://jabber.org/protocol/disco#items}item")
        assert {i.get("node") for i in items} == {a.NODE + n for n in ("queues", "tickets", "callbacks")}, r.stdout
        started = replies[1].find(c + "command")
        assert replies[1].get("type") == "result" and started.get("status") == "executing", r.stdout
        assert replies[2].get("type") == "error" and replies[2].find(".//" + c + "bad-action") is not None, r.stdout
        assert replies[3].find(c + "command").get("status") == "canceled", r.stdout
        assert replies[3].find(c + "command").get("sessionid") == started.get("sessionid")
        status = replies[4].find(c + "command")
        assert status.get("status") == "completed" and status.find("{jabber:x:data}x").get("type") == "result", r.stdout


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
