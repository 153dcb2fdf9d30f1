# The visitor host's routing policy (DESIGN.md "Hosts", modules/visitor_policy): a visitor logged
# in with SASL ANONYMOUS (XEP-0175) on guest.localhost reaches its host (XEP-0199 ping, XEP-0030
# disco), the upload host and the livechat service with its conversations on chat.localhost (here
# a slixmpp XEP-0114 component), and nothing else. A refused message or IQ gets
# service-unavailable (RFC 6120 §8.3.3.19), the answer for an address that does not exist;
# refused presence is dropped silently (RFC 6121 §8.5.2.2.2). A consultant on localhost cannot
# reach a visitor directly; the conversation on chat.localhost can.
import os

import slixmpp

import xmppd_harness as h
from xmpp_clients import Client, Component, run

CHAT = "chat." + h.DOMAIN
UPLOAD = "upload." + h.DOMAIN
SECRET = "chat-component-secret-1"
PING = "<ping xmlns='urn:xmpp:ping'/>"


def visitor(server):
    return run(Client(h.GUEST, "", mechanism="ANONYMOUS").login(server.ports["c2s"]))


def iq_outcome(client, to, payload=PING):
    """'result' or the error condition of an IQ get (RFC 6120 §8.2.3: always one answer)."""
    iq = client.raw_iq("get", to, payload)
    try:
        run(iq.send(timeout=5))
        return "result"
    except slixmpp.exceptions.IqError as e:
        return e.iq["error"]["condition"]


def test():
    # The upload host (modules/upload) is written by `xmppctl init`.
    extra = '\n[components."%s"]\nsecret_file = "chat.secret"\n' % CHAT
    server = h.Server(channel_binding=False, extra_config=extra)
    # Here chat.localhost is the component above, not the livechat host `xmppctl init` writes.
    server.drop_host(CHAT)
    with open(os.path.join(server.dir, "chat.secret"), "w") as f:
        f.write(SECRET + "\n")
    with server:
        anna = run(Client(server.adduser("anna", "anna-Pass-1"), "anna-Pass-1").login(server.ports["c2s"]))
        chat = run(Component(CHAT, SECRET, server.ports["component"]).start())
        v1, v2 = visitor(server), visitor(server)

        # Allowed: its own host, the upload host, the livechat host (XEP-0199 §4.2, XEP-0030).
        assert iq_outcome(v1, h.GUEST) == "result"
        assert iq_outcome(v1, h.GUEST, "<query xmlns='http://jabber.org/protocol/disco#info'/>") == "result"
        assert iq_outcome(v1, UPLOAD, "<query xmlns='http://jabber.org/protocol/disco#info'/>") == "result"
        assert iq_outcome(v1, CHAT) == "result"
        # Refused: the consultants' host and a consultant (RFC 6120 §8.3.3.19).
        assert iq_outcome(v1, h.DOMAIN) == "service-unavailable"
        assert iq_outcome(v1, anna.boundjid.full) == "service-unavailable"

        # A visitor writing to a consultant directly: an error, and the consultant sees nothing.
        v1.send_message(mto=anna.boundjid.bare, mbody="Dzień dobry, mam pytanie", mtype="chat")
        err = run(v1.errors.get(describe="error for the message to anna"))
        assert err["error"]["condition"] == "service-unavailable", err
        # Directed presence: dropped without an error (RFC 6121 §8.5).
        v1.send_presence(pto=anna.boundjid.full)
        # And to another visitor: refused as well.
        v1.send_message(mto=v2.boundjid.full, mbody="hej", mtype="chat")
        err = run(v1.errors.get(lambda m: m["from"] == v2.boundjid.full, describe="error for the message to v2"))
        assert err["error"]["condition"] == "service-unavailable", err
        for c in (anna, v2):
            run(c.sync())
        assert not anna.stanzas.find(lambda s: s["from"].domain == h.GUEST), anna.stanzas.items
        assert not v2.stanzas.find(lambda s: s["from"].bare == v1.boundjid.bare), v2.stanzas.items

        # A consultant cannot message or ping a visitor: the same service-unavailable as for a
        # visitor that does not exist; presence to it is dropped silently.
        v1.stanzas.clear()
        anna.send_message(mto=v1.boundjid.full, mbody="Tu Anna", mtype="chat")
        err = run(anna.errors.get(describe="error for anna's message"))
        assert err["error"]["condition"] == "service-unavailable", err
        anna.send_message(mto="0123456789abcdef0123456789abcdef@%s/x" % h.GUEST, mbody="?", mtype="chat")
        err2 = run(anna.errors.get(lambda m: m["id"] != err["id"], describe="error for the unknown visitor"))
        assert err2["error"]["condition"] == "service-unavailable", err2
        assert iq_outcome(anna, v1.boundjid.full) == "service-unavailable"
        anna.send_presence(pto=v1.boundjid.full)
        run(v1.sync())
        assert not v1.stanzas.find(lambda s: s["from"].domain == h.DOMAIN), v1.stanzas.items

        # The conversation on the livechat host: both ways.
        conversation = "conv-7@" + CHAT
        v1.send_message(mto=conversation, mbody="Pytanie o dotacje", mtype="groupchat")
        got = run(chat.messages.get(lambda m: m["body"] == "Pytanie o dotacje", describe="visitor's message"))
        assert got["from"] == v1.boundjid.full, got
        chat.send_message(mto=v1.boundjid.full, mfrom=conversation + "/Anna", mbody="Dzień dobry!", mtype="groupchat")
        reply = run(v1.messages.get(lambda m: m["body"] == "Dzień dobry!", describe="answer in the conversation"))
        assert reply["from"] == conversation + "/Anna", reply
        # An IQ from the service reaches the visitor's client, which answers (XEP-0199 §4.3).
        run(chat["xep_0199"].ping(v1.boundjid.full, ifrom=CHAT, timeout=5))

        for c in (anna, v1, v2):
            run(c.close())
        chat.disconnect()
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("visitor_policy", "ping"))
