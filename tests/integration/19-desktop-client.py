# A person with an unmodified desktop client (Profanity, driven in tmux by desktop_client.py)
# uses xmppd as issue 2's "Done when" describes: connects over TLS, direct TLS first
# (XEP-0368, the c2s_tls listener) and then STARTTLS (RFC 6120 §5), with SCRAM-SHA-256 (RFC 7677,
# checked on the server side: the mechanism in xmppd's debug log, which names no account);
# trusts the self-signed certificate at Profanity's own prompt (`/tls always`, as the README
# says); adds a second account (slixmpp) to the roster and asks for its presence (`/roster add`,
# `/sub request`, RFC 6121 §3.1), which accepts and asks back (`/sub allow`); both see each other
# online (RFC 6121 §4); messages both ways (RFC 6121 §5.2.2, Polish text); the server restarts:
# Profanity reconnects by itself (the listeners keep their ports) and the roster is still there
# (RFC 6121 §2.1.3); a message sent while Profanity is offline is stored (XEP-0160) across a
# restart and shown when Profanity connects again, with its original time (XEP-0203).
# backends: sqlite mariadb
import datetime
import re
import time

import xmppd_harness as h
from desktop_client import Profanity
from xmpp_clients import Client, run

ALICE = "alice@" + h.DOMAIN
BOB = "bob@" + h.DOMAIN


def mechanisms_logged(server):
    """The SASL mechanisms of the logins so far, in order, from the server's debug log."""
    return re.findall(r"c2s: connection \d+ authenticated with (\S+)", server.log_text())


def said_by(contact, text):
    """A line of Profanity's chat window: the sender (bare or full JID), a colon, the text."""
    return r"%s(/\S+)?: %s" % (re.escape(contact), re.escape(text))


def test():
    # Listeners with fixed ports, so that Profanity's own reconnect finds the restarted server.
    c2s, c2s_tls = h.free_port(), h.free_port()
    # Profanity's listeners offer -PLUS as the default configuration does; slixmpp (bob) gets one
    # without, since Debian's slixmpp has no usable -PLUS on TLS 1.3 (see 02, 04).
    listeners = [{"type": "c2s", "port": c2s}, {"type": "c2s_tls", "port": c2s_tls},
                 {"type": "c2s", "channel_binding": False}]
    with h.Server(log_level="debug", extra_listeners=listeners) as server, Profanity() as prof:
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")

        # XEP-0368: direct TLS on the c2s_tls port ("tls legacy" in Profanity's words); the
        # self-signed certificate is accepted at Profanity's prompt once and for all.
        prof.connect(ALICE, "alice-Pass-1", c2s_tls, tls="legacy")
        prof.wait_screen(r"\[TLS\]", describe="Profanity's TLS indicator")
        assert mechanisms_logged(server) == ["SCRAM-SHA-256"], mechanisms_logged(server)
        prof.type("/disconnect")
        prof.wait_screen(r"\[offline\]|\[disconnected\]", describe="offline after /disconnect")

        # RFC 6120 §5: STARTTLS on the c2s port (Profanity's default, "tls force").
        prof.connect(ALICE, "alice-Pass-1", c2s, tls="force")
        prof.wait_screen(r"\[TLS\]", describe="Profanity's TLS indicator")
        assert mechanisms_logged(server) == ["SCRAM-SHA-256"] * 2, mechanisms_logged(server)

        # RFC 6121 §3.1: alice adds bob and asks for his presence; bob approves and asks back.
        bob = run(Client(BOB + "/desk", "bob-Pass-2").login(server.extra_port(2), get_roster=True))
        prof.type("/roster add " + BOB)
        prof.type("/sub request " + BOB)
        req = run(bob.next_presence(pred=lambda p: p["type"] == "subscribe", describe="alice's request"))
        assert req["from"].bare == ALICE, req
        bob.send_presence(pto=ALICE, ptype="subscribed")
        bob.send_presence(pto=ALICE, ptype="subscribe")
        run(bob.sync())
        prof.wait_screen(r"Received authorization request from %s" % re.escape(BOB),
                         describe="bob's subscription request in Profanity")
        prof.type("/sub allow " + BOB)
        # RFC 6121 §4: presence both ways. Profanity lists bob as online; bob gets alice's.
        prof.wait_screen(r"\+\+ %s \(desk\) is online" % re.escape(BOB), describe="bob online in Profanity")
        prof.ask("/who online", r"^.* - %s is online" % re.escape(BOB), describe="/who online lists bob")
        run(bob.next_presence(pred=lambda p: p["from"].bare == ALICE and p["type"] == "available",
                              describe="alice online"))

        # RFC 6121 §5.2.2: a chat both ways.
        prof.type("/msg %s Dzień dobry, Bob! Zażółć gęślą jaźń." % BOB)
        m = run(bob.next_message(pred=lambda m: m["from"].bare == ALICE, describe="alice's message"))
        assert m["body"] == "Dzień dobry, Bob! Zażółć gęślą jaźń.", m["body"]
        assert m["type"] == "chat", m
        bob.send_message(mto=m["from"], mbody="Witaj, Alice — odpowiedź z terminala.", mtype="chat")
        run(bob.sync())
        prof.wait_screen(said_by(BOB, "Witaj, Alice — odpowiedź z terminala."),
                         describe="bob's message in the chat window")
        prof.wait_chatlog(ALICE, BOB, r"%s: Witaj, Alice — odpowiedź z terminala\." % re.escape(BOB))
        prof.wait_chatlog(ALICE, BOB, r"me: Dzień dobry, Bob! Zażółć gęślą jaźń\.")

        # A restart: Profanity loses the connection, reconnects on its own and its roster is
        # the server's roster again (RFC 6121 §2.1.3), with bob's subscription intact.
        prof.console()  # the reconnection is reported there
        logins = len(mechanisms_logged(server))
        server.restart()
        run(bob.close())
        # The server sees Profanity log in again by itself, and Profanity says so. (Its "Lost
        # connection" line is not waited for: on a loaded machine the console is sometimes
        # redrawn after the reconnection with only the newest line on screen.)
        deadline = time.monotonic() + 30
        while len(mechanisms_logged(server)) <= logins and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(mechanisms_logged(server)) > logins, "Profanity did not log in again after the restart"
        prof.wait_screen(r"%s/\S+ logged in successfully" % re.escape(ALICE), timeout=30,
                         describe="Profanity reconnected after the restart")
        assert mechanisms_logged(server)[-1] == "SCRAM-SHA-256", mechanisms_logged(server)
        bob = run(Client(BOB + "/desk", "bob-Pass-2").login(server.extra_port(2), get_roster=True))
        prof.ask("/who online", r"^.* - %s is online" % re.escape(BOB), describe="bob online again")
        prof.ask("/roster", r"^\S+ -\s+%s - both\b" % re.escape(BOB), describe="bob in /roster, subscription both")

        # XEP-0160: alice goes offline; bob writes; the server restarts; alice connects again
        # and Profanity shows the message, which kept its original time (XEP-0203).
        prof.type("/disconnect")
        prof.wait_screen(r"\[offline\]|\[disconnected\]", describe="offline after /disconnect")
        bob.send_message(mto=ALICE, mbody="Wiadomość, gdy byłaś offline: umowa podpisana.", mtype="chat")
        run(bob.sync())
        run(bob.close())
        server.restart()
        reconnected_at = datetime.datetime.now(datetime.timezone.utc)
        prof.connect(ALICE, "alice-Pass-1", c2s, tls="force")
        line = prof.wait_chatlog(ALICE, BOB, r"^(\S+) - %s: Wiadomość, gdy byłaś offline: umowa podpisana\.$"
                                 % re.escape(BOB), describe="the offline message")
        # Profanity logs a message at the time it carries (XEP-0203 <delay/>), here before the
        # reconnection; a message without it would be logged at its arrival.
        stamp = datetime.datetime.fromisoformat(line.group(1).replace("Z", "+00:00"))
        assert stamp < reconnected_at, (stamp, reconnected_at)
        prof.type("/msg " + BOB)  # the chat window with bob, as a user opens it
        prof.wait_screen(said_by(BOB, "Wiadomość, gdy byłaś offline: umowa podpisana."),
                         describe="the offline message in the chat window")
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("roster", "presence", "offline"))
