# The end of a conversation in the visitor's chat widget (webclient/widget, issues 6 and 7) in
# headless Chromium (Debian's chromium, playwright-core) against a running xmppd, the consultant
# driven by slixmpp:
# - the join form's optional e-mail; when the consultant joins, the conversation header shows the
#   consultant's public profile: first name and workplace, and no full name or title without
#   the consultant's consent (docs/protocol.md "The consultant's public profile");
# - read state (XEP-0333): the consultant's `displayed` shows as read, the widget's reaches her;
# - "End chat" asks for confirmation first; then the consultant is told in the room, the room
#   goes (XEP-0045 §10.9) and the browser forgets the token;
# - the visitor rates (once) and asks for the transcript by e-mail (once); the consultant is told
#   both and reads them with <feedback/>.
import json

import livechat_util as lc
import muc_util as m
import widget_util as w
import xmppd_harness as h
from xmpp_clients import run

MARKERS = "urn:xmpp:chat-markers:0"
SID = "{urn:xmpp:sid:0}stanza-id"
PROFILE = "alice | Alicja Nowak | Specjalistka ds. funduszy | Punkt Informacyjny w Sieradzu"


def test():
    with w.running(extra='consultant_profiles = ["%s"]\n' % PROFILE) as (server, _widget_origin, site, open_page):
        password = "alice-Pass-1"
        server.adduser("alice", password)
        alice = run(lc.consultant(server, "alice", password, new=False))

        page = open_page()
        page.do(goto=site.url("/fundusze/dotacje.html"))
        page.do(wait_for=["[data-xmppd-widget][data-available=true]", "attached", 20000])
        page.do(click="#launch-chat")
        page.do(wait_for=["#join-form", "visible", 20000])
        # The address is checked before anything is sent.
        page.do(fill=["#topic", "Zwrot kosztów szkolenia"])
        page.do(fill=["#join-email", "nie-adres"])
        page.do(click="#join-ack")
        page.do(click="#join-form button[type=submit]")
        page.do(locator_text=[".summary", "e-mail", 10000])
        page.do(fill=["#join-email", "zofia@example.net"])
        page.do(click="#join-form button[type=submit]")
        page.do(wait_for=["#message", "visible", 20000])
        key = "localStorage.getItem('xmppd-widget:%s')" % w.SITE_KEY
        token = json.loads(page.do(eval=key)["value"])

        room, _ = run(lc.offer(alice, timeout=20))
        assert room == token["room"]
        run(m.join(alice, room, "Alicja"))
        # The header: first name and workplace; nothing she has not consented to show.
        page.do(locator_text=["#consultant-name", "Alicja", 20000])
        assert page.do(text="#consultant-workplace")["text"] == "Punkt Informacyjny w Sieradzu"
        card = page.do(text="#consultant")["text"]
        assert "Nowak" not in card and "Specjalistka" not in card, card
        assert page.do(eval="document.querySelector('[data-xmppd-widget]').shadowRoot"
                            ".querySelector('#consultant img') === null")["value"], "a photo without consent"

        page.do(fill=["#message", "Dziękuję, to wszystko."])
        page.do(press="Enter")
        got = run(lc.room_message(alice, room, "Dziękuję, to wszystko."))
        assert got.xml.find("{%s}markable" % MARKERS) is not None, got  # XEP-0333 §4

        # Read state (XEP-0333): alice's `displayed` (the room's stanza-id, §4) shows as read in
        # the widget; the widget's own `displayed` for her answer reaches her.
        sid = got.xml.find(SID).get("id")
        alice.send_raw("<message to='%s' type='groupchat'><displayed xmlns='%s' id='%s'/></message>"
                       % (room, MARKERS, sid))
        run(alice.sync())
        page.do(locator_text=["#log li.mine .state", "przeczytano", 20000])
        lc.say(alice, room, "Proszę bardzo.")
        answer = run(lc.room_message(alice, room, "Proszę bardzo."))
        answer_sid = answer.xml.find(SID).get("id")
        seen = run(m.next_message(alice, lambda s: s["from"].resource == "Visitor" and
                                  s.xml.find("{%s}displayed" % MARKERS) is not None, "the visitor's marker", 20))
        assert seen.xml.find("{%s}displayed" % MARKERS).get("id") == answer_sid

        # End chat: a confirmation first; "No" keeps the conversation.
        page.do(click="#end")
        page.do(wait_for=["#end-ask", "visible", 10000])
        assert page.do(focused=True)["value"] == "end-no"
        page.do(click="#end-no")
        page.do(wait_for=["#end-ask", "hidden", 10000])
        assert json.loads(page.do(eval=key)["value"])["token"] == token["token"]
        page.do(click="#end")
        page.do(click="#end-yes")
        run(lc.service_reply(alice, room, "The visitor ended the conversation."))
        page.do(locator_text=["#log li", "Zakończyłeś", 20000])
        page.do(wait_for=["#rate-form", "visible", 20000])
        assert page.do(eval=key)["value"] is None, "the token outlived the conversation"
        page.do(wait_for=["#compose", "hidden", 10000])

        # Rating: without a choice the form says so; then 4 with a comment, once.
        page.do(click="#rate-form button[type=submit]")
        page.do(locator_text=["#feedback-status", "Wybierz", 10000])
        page.do(click="#rate-4")
        page.do(fill=["#rate-comment", "Konkretna pomoc"])
        page.do(click="#rate-form button[type=submit]")
        page.do(locator_text=["#feedback-status", "Dziękujemy za ocenę", 20000])
        msg = run(m.next_message(alice, lambda s: str(s["from"]) == lc.CHAT and "rated conversation" in s["body"],
                                 "the rating", 20))
        assert "4/5" in msg["body"] and "Konkretna pomoc" in msg["body"], msg["body"]

        # The transcript, to the form's address: one button, once.
        page.do(click="#transcript")
        page.do(locator_text=["#feedback-status", "Zapis rozmowy wyślemy", 20000])
        run(m.next_message(alice, lambda s: str(s["from"]) == lc.CHAT and "transcript" in s["body"],
                           "the transcript request", 20))
        assert page.do(eval="document.querySelector('[data-xmppd-widget]').shadowRoot"
                            ".querySelector('#transcript') === null")["value"]

        cid = room.split("@")[0][2:]
        fb = run(lc.send(alice.raw_iq("get", lc.CHAT, "<feedback xmlns='%s' conversation='%s'/>" % (lc.NS, cid)),
                         "feedback"))
        assert fb.get("rating") == "4" and fb.get("transcript") == "requested", fb.attrib
        assert fb.get("closed_by") == "visitor_ended", fb.attrib
        w.shot(page, "widget-end-rated")
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "upload"))
