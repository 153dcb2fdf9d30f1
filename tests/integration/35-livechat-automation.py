# backends: sqlite mariadb
# Issue 6 "Events": the service's typed events drive a greeting when a visitor joins, an "all
# consultants busy" message with the expected wait (from the queue's recent pace, once two answers
# are known), and an inactivity warning followed by an automatic close when the visitor stops
# answering. Their texts come from the room itself (XEP-0045 groupchat without a nick), so every
# participant sees them and they are in the conversation's history; the close is recorded as the
# service's (livechat_feedback.closed_by) and the visitor gets <closed by='service'/>.
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

NS = lc.NS
GREETING = "Dzień dobry! Konsultant zaraz dołączy."
OPTIONS = (
    'greeting = "%s"\n'
    'busy_message = "Wszyscy są zajęci. Przewidywany czas oczekiwania: {wait}."\n'
    'busy_message_no_estimate = "Wszyscy są zajęci. Odpowiemy najszybciej, jak to możliwe."\n'
    'inactivity_warning = "2s"\ninactivity_close = "4s"\n'
    'inactivity_warning_message = "Czy jest Pan/Pani z nami? Zamkniemy za {minutes} min."\n'
    'inactivity_closed_message = "Zamknięte z powodu braku aktywności."\n' % GREETING)


async def from_room(c, room, text, describe, timeout=10):
    """A groupchat message from the room itself (no nick) containing `text`."""
    return await m.next_message(c, lambda s: s["type"] == "groupchat" and str(s["from"]) == room and
                                text in s["body"], describe, timeout)


def room_texts(c, room):
    return [s["body"] for s in m.messages_now(c, lambda s: s["type"] == "groupchat" and str(s["from"]) == room)]


def test():
    with lc.server(["general | Pytania ogólne | anna | 30s"], max_chats=1, options=OPTIONS) as server:
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))
        anna.send_presence(pto=lc.CHAT, ptype="unavailable")  # away at first
        run(anna.sync())

        # 1. Nobody free and no pace known yet: greeting, then "busy" without an estimate.
        v1 = run(lc.visitor(server))
        room1 = run(lc.join(v1, "Dotacje dla firm"))["room"]
        run(from_room(v1, room1, GREETING, "the greeting"))
        run(from_room(v1, room1, "Odpowiemy najszybciej", "busy without an estimate"))
        lc.available(anna)
        assert run(lc.offer(anna))[0] == room1
        run(m.join(anna, room1, "Anna"))
        # The greeting is part of the conversation: the consultant gets it as history.
        run(from_room(anna, room1, GREETING, "the greeting in the consultant's history"))
        lc.say(anna, room1, "Dzień dobry, w czym mogę pomóc?")
        lc.say(v1, room1, "Dziękuję, już wiem.")
        run(lc.room_message(anna, room1, "Dziękuję, już wiem."))
        lc.say(anna, room1, "!close")
        run(lc.service_reply(anna, room1, "Closing"))

        # 2. Anna is free: greeting, an offer at once, and no "busy" message.
        v2 = run(lc.visitor(server))
        room2 = run(lc.join(v2, "Szkolenia"))["room"]
        run(from_room(v2, room2, GREETING, "the greeting"))
        assert run(lc.offer(anna))[0] == room2
        run(m.join(anna, room2, "Anna"))
        run(v2.sync())
        assert not [t for t in room_texts(v2, room2) if "zajęci" in t], room_texts(v2, room2)

        # 3. Anna is at max_chats; two answers are known: "busy" with the expected wait.
        v3 = run(lc.visitor(server))
        room3 = run(lc.join(v3, "Fundusze europejskie"))["room"]
        run(from_room(v3, room3, GREETING, "the greeting"))
        busy = run(from_room(v3, room3, "Przewidywany czas oczekiwania: około ", "busy with the expected wait"))
        assert busy["body"].endswith(" min."), busy["body"]

        # 4. Inactivity in conversation 2: anna asks, the visitor does not answer for 2 s: the
        # warning; the visitor answers: the clock stops; anna asks again, no answer: warning, then
        # after 4 s more the close.
        lc.say(anna, room2, "Czy mogę jeszcze w czymś pomóc?")
        warning = run(from_room(v2, room2, "Czy jest Pan/Pani z nami?", "the inactivity warning"))
        assert "Zamkniemy za 1 min." in warning["body"], warning["body"]
        run(from_room(anna, room2, "Czy jest Pan/Pani z nami?", "the warning at the consultant"))
        before = len([t for t in room_texts(v2, room2) if "Czy jest Pan/Pani z nami?" in t])
        lc.say(v2, room2, "Tak, jeszcze jedno pytanie")
        run(lc.room_message(anna, room2, "Tak, jeszcze jedno pytanie"))
        lc.say(anna, room2, "Proszę pytać.")
        run(from_room(v2, room2, "Zamknięte z powodu braku aktywności.", "the close message", timeout=20))
        closed = run(m.next_message(v2, lambda s: s.xml.find("{%s}closed" % NS) is not None, "<closed/>"))
        assert closed.xml.find("{%s}closed" % NS).get("by") == "service", closed
        # Exactly one more warning came before the close (the visitor's answer reset the clock).
        warnings = [t for t in room_texts(v2, room2) if "Czy jest Pan/Pani z nami?" in t]
        assert len(warnings) == before + 1, (before, warnings)
        conv2 = room2.split("@")[0][2:]
        got = lc.wait_rows(server, "SELECT closed_by FROM livechat_feedback WHERE conversation = ?", (conv2,))
        assert got == [("service",)], got

        # Anna is free again: v3, waiting, gets her.
        assert run(lc.offer(anna))[0] == room3
        for c in (anna, v1, v2, v3):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
