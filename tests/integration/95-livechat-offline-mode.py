# Offline mode of the livechat service (issue 6, docs/protocol.md "Offline mode"): a queue with
# recipients answers a join with <offline/> instead of <joined/> when it is closed — here by an
# office closure from yesterday to tomorrow, so the next opening is the day after tomorrow at
# midnight, whatever the wall clock — or when no consultant is available (reason 'nobody'); no
# conversation is created. <queues/> says open and mode. A queue without recipients queues as
# before. A queue with hours but no recipients is a configuration error --check-config names.
# backends: sqlite mariadb
import os
import subprocess

import livechat_util as lc
import xmppd_harness as h
from xmpp_clients import run

QUEUES = ["general | Pytania ogólne | anna | 30s | least_busy | anna",
          "holiday | Biuro zamknięte | anna | 30s | least_busy | anna",
          "plain | Bez zgłoszeń offline | anna"]


def test():
    yesterday, tomorrow, after = lc.warsaw_dates(-1), lc.warsaw_dates(1), lc.warsaw_dates(2)
    hours = ["general | daily 00:00-24:00 | holidays open", "holiday | daily 00:00-24:00 | holidays open"]
    with lc.server(QUEUES, hours=hours, closures=["holiday | %s..%s" % (yesterday, tomorrow)]) as server:
        v = run(lc.visitor(server))
        listed = run(lc.queues(v))
        assert listed["general"]["open"] == "true" and listed["general"]["available"] == "false", listed
        assert listed["general"]["mode"] == "offline", listed  # nobody there
        assert listed["holiday"]["open"] == "false" and listed["holiday"]["mode"] == "offline", listed
        assert listed["plain"]["mode"] == "chat", listed  # no recipients: a join queues

        # Closed: reason and the next opening, local time with its offset (XEP-0082).
        iq = v.raw_iq("set", lc.CHAT, "<join xmlns='%s' queue='holiday'>%s</join>" % (lc.NS, lc.join_form("Pytanie")))
        offline = run(lc.send(iq, "offline"))
        assert offline.get("queue") == "holiday" and offline.get("reason") == "closed", offline.attrib
        assert offline.get("next_open") == lc.warsaw_midnight(after), (offline.attrib, after)

        # Open but nobody available: reason 'nobody', no next_open.
        iq = v.raw_iq("set", lc.CHAT, "<join xmlns='%s' queue='general'>%s</join>" % (lc.NS, lc.join_form("Pytanie")))
        offline = run(lc.send(iq, "offline"))
        assert offline.get("reason") == "nobody" and offline.get("next_open") is None, offline.attrib
        assert not lc.rows(server, "SELECT id FROM livechat_conversations")  # no conversation

        # Anna comes: the queue is a chat queue again and a join gets a conversation.
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        listed = run(lc.queues(v))
        assert listed["general"]["available"] == "true" and listed["general"]["mode"] == "chat", listed
        assert listed["holiday"]["mode"] == "offline", listed  # still closed
        joined = run(lc.join(v, "Teraz ktoś jest"))
        assert joined["state"] in ("queued", "offered"), joined
        room, _ = run(lc.offer(anna))
        assert room == joined["room"]

        # A queue without recipients keeps queueing when nobody is there.
        anna.disconnect()
        run(lc.lost(anna))
        v2 = run(lc.visitor(server))
        assert run(lc.join(v2, "Bez konsultanta", queue="plain"))["state"] == "queued"

        # Hours on a queue nobody receives requests of: refused before start, saying what and where.
        text = open(server.config).read().replace("hours = [", 'hours = ["plain | mon-fri 09:00-17:00", ', 1)
        bad = os.path.join(server.dir, "bad.toml")
        with open(bad, "w") as f:
            f.write(text)
        out = subprocess.run([h.XMPPD, "--config", bad, "--check-config"], capture_output=True, text=True, timeout=30)
        assert out.returncode != 0, out
        message = out.stdout + out.stderr
        assert 'module.livechat' in message and lc.CHAT in message, message
        assert "queue plain has hours or closures but no recipients" in message, message
        out = subprocess.run([h.XMPPD, "--config", server.config, "--check-config"], capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 0, out

if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
