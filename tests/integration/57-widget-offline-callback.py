# The widget's forms (webclient/widget, issue 7) in headless Chromium against a running xmppd,
# on the customer's page (another origin, strict CSP), built against the livechat protocol's
# offline tickets and callbacks (docs/protocol.md, urn:xmppd:livechat:0):
# - nobody available: the chat launcher opens the offline form (name, e-mail, question, notice
#   acknowledgement); missing and malformed fields get clear messages before anything is sent;
#   the ticket is sent (<ticket/> with the #ticket form) and the visitor sees its number and where
#   the answer will go;
# - the handset launcher opens the callback form with the slots the server offers (<slots/>); an
#   invalid phone number is refused with a message naming the field, a valid one is accepted
#   (<callback/> with the #callback form) and confirmed with the number and the time.
# Neither form leaves anything in the browser's storage. The browser's network refuses WebSocket
# here (a proxy that refuses the Upgrade): the widget falls back to BOSH (XEP-0124/0206).
import widget_util as w
import xmppd_harness as h
from xmpp_clients import Client, run

NS = "urn:xmppd:livechat:0"

SHADOW = "document.querySelector('[data-xmppd-widget]').shadowRoot"


def test():
    with w.running(queues=(w.OFFLINE_QUEUE,), extra=w.ALWAYS_OPEN) as (server, widget_origin, site, open_page):
        server.adduser("alice", "alice-Pass-1")  # a member of the queue, not online
        server.adduser("bob", "bob-Pass-1")  # receives the queue's tickets and callbacks
        bob = run(Client("bob@" + h.DOMAIN, "bob-Pass-1").login(server.ports["c2s"]))
        page = open_page(block_websocket=True)
        page.do(goto=site.url("/fundusze/"))
        page.do(wait_for=["[data-xmppd-widget][data-available=false]", "attached", 20000])

        # The offline form, by itself, since nobody can answer.
        page.do(click="#launch-chat")
        page.do(wait_for=["#offline-form", "visible", 20000])
        assert "żaden konsultant" in page.do(text="#offline-intro")["text"]
        # No session yet: the form connects only when sent.
        assert page.do(eval=SHADOW + ".querySelector('#panel').dataset.transport || ''")["value"] == ""
        page.do(click="#offline-form button[type=submit]")
        errors = page.do(locator_text=[".summary", "Popraw", 10000])["text"]
        assert "Adres e-mail" in errors and "Twoje pytanie" in errors and "Potwierdź" in errors, errors
        assert page.do(eval=SHADOW + ".querySelector('#off-email').getAttribute('aria-invalid')")["value"] == "true"
        page.do(fill=["#off-name", "Jan Kowalski"])
        page.do(fill=["#off-email", "jan.kowalski@"])
        page.do(fill=["#off-question", "Jakie są terminy naboru dla MŚP?"])
        page.do(click="#off-ack")
        page.do(click="#offline-form button[type=submit]")
        assert "poprawny adres e-mail" in page.do(locator_text=[".summary", "e-mail", 10000])["text"]
        page.do(fill=["#off-email", "jan.kowalski@example.pl"])
        page.do(click="#offline-form button[type=submit]")
        done = page.do(locator_text=[".done", "Zgłoszenie nr", 20000])["text"]
        assert page.do(eval=SHADOW + ".querySelector('#panel').dataset.transport")["value"] == "bosh"
        assert "jan.kowalski@example.pl" in done and "nr —" not in done, done
        # The recipient gets it (docs/protocol.md "Tickets"), question and address included.
        m = run(bob.next_message(pred=lambda s: s.xml.find("{%s}ticket" % NS) is not None, timeout=20))
        assert "Jakie są terminy naboru dla MŚP?" in m["body"] and "jan.kowalski@example.pl" in m["body"], m
        page.do(click="#panel-close")

        # The callback form: slots from the server, phone validated.
        page.do(click="#launch-call")
        page.do(wait_for=["#call-form", "visible", 20000])
        slots = page.do(eval="[..." + SHADOW + ".querySelectorAll('#call-slot option')].map(o => o.value)")["value"]
        assert slots and all(slots), "the server offers slots: %s" % slots
        page.do(fill=["#call-name", "Jan Kowalski"])
        page.do(fill=["#call-phone", "12ab"])
        page.do(fill=["#call-topic", "Dotacje na fotowoltaikę"])
        page.do(click="#call-ack")
        page.do(click="#call-form button[type=submit]")
        err = page.do(locator_text=["#call-phone-err", "numer telefonu", 10000])["text"]
        assert "9 cyfr" in err, err
        # Well-formed but no such number (libphonenumber on the server): refused by the
        # server, the message under the phone field.
        page.do(fill=["#call-phone", "+48 000 000 000"])
        page.do(click="#call-form button[type=submit]")
        err = page.do(locator_text=["#call-phone-err", "nie istnieje", 20000])["text"]
        assert page.do(focused=True)["value"] == "call-phone"
        page.do(fill=["#call-phone", "+48 600 100 200"])
        page.do(click="#call-form button[type=submit]")
        done = page.do(locator_text=[".done", "Zadzwonimy", 20000])["text"]
        assert "+48 600 100 200" in done and "Numer zgłoszenia: —" not in done, done

        m = run(bob.next_message(pred=lambda s: s.xml.find("{%s}callback" % NS) is not None, timeout=20))
        assert m.xml.find("{%s}callback" % NS).get("slot") == slots[0], m

        assert page.do(eval="localStorage.length + sessionStorage.length")["value"] == 0
        run(bob.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
