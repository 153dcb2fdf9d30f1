# XEP-0198 with an impossible 'h': a <resume/> whose h acknowledges more stanzas than the old
# stream ever sent cannot resume it (§5, error handling in §6). The new stream gets
# <failed><undefined-condition/><handled-count-too-high h send-count/></failed> and may still
# bind a fresh resource (§5: the server SHOULD allow it); the live session it named is not
# touched: it keeps its connection and its messages. On a live stream, <a h/> that is too high
# ends that stream with <undefined-condition/> and <handled-count-too-high/> (§6).
import xml.etree.ElementTree as ET

import xmppd_harness as h
from raw_xmpp import NS_SM, NS_STANZAS, NS_STREAM, RawStream, q

NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"


def login(server, resource):
    s = RawStream.connect(server, "c2s_tls")
    s.open()
    jid = s.plain_login("alice", "alice-Pass-1", resource)
    return s, jid


def message(frm, to, body, mid):
    frm.send("<message to='%s' type='chat' id='%s'><body>%s</body></message>" % (to, mid, body))


def test():
    with h.Server() as server:
        server.adduser("alice", "alice-Pass-1")
        server.adduser("bob", "bob-Pass-2")
        phone, phone_jid = login(server, "phone")
        phone.send("<enable xmlns='%s' resume='true'/>" % NS_SM)
        enabled = phone.next()
        assert enabled.tag == q(NS_SM, "enabled") and enabled.get("id"), ET.tostring(enabled)
        previd = enabled.get("id")

        bob = RawStream.connect(server, "c2s_tls")
        bob.open()
        r = bob.auth("PLAIN", b"\0bob\0bob-Pass-2")
        assert r.tag.endswith("success"), ET.tostring(r)
        bob.open()
        bob.bind("desk")

        # One stanza goes to the phone (sent_out = 1), not acknowledged.
        message(bob, phone_jid, "raz", "m1")
        got = phone.next()
        while got.tag == q(NS_SM, "r"):
            got = phone.next()
        assert got.tag == "{jabber:client}message" and got.findtext("{jabber:client}body") == "raz", ET.tostring(got)

        # A second connection claims the phone's session with h = 5 (only 1 was sent).
        thief = RawStream.connect(server, "c2s_tls")
        thief.open()
        r = thief.auth("PLAIN", b"\0alice\0alice-Pass-1")
        assert r.tag.endswith("success"), ET.tostring(r)
        thief.open()
        thief.send("<resume xmlns='%s' previd='%s' h='5'/>" % (NS_SM, previd))
        failed = thief.next()
        assert failed.tag == q(NS_SM, "failed"), ET.tostring(failed)
        assert failed.find(q(NS_STANZAS, "undefined-condition")) is not None, ET.tostring(failed)
        too_high = failed.find(q(NS_SM, "handled-count-too-high"))
        assert too_high is not None, ET.tostring(failed)
        assert (too_high.get("h"), too_high.get("send-count")) == ("5", "1"), ET.tostring(too_high)
        # §5: the stream can go on with a fresh binding.
        assert thief.bind("laptop") == "alice@%s/laptop" % h.DOMAIN
        thief.close()

        # The phone's session was not touched: same connection, still gets its messages, and
        # its ack state is intact (<r/> answered with the h it had).
        message(bob, phone_jid, "dwa", "m2")
        got = phone.next()
        while got.tag == q(NS_SM, "r"):
            got = phone.next()
        assert got.findtext("{jabber:client}body") == "dwa", ET.tostring(got)
        phone.send("<r xmlns='%s'/>" % NS_SM)
        a = phone.next()
        assert a.tag == q(NS_SM, "a") and a.get("h") == "0", ET.tostring(a)

        # A valid ack, then one that is too high on the live stream: §6 stream error.
        phone.send("<a xmlns='%s' h='2'/>" % NS_SM)
        phone.send("<a xmlns='%s' h='7'/>" % NS_SM)
        rest = phone.expect_closed()
        errors = [e for e in rest if e.tag == q(NS_STREAM, "error")]
        assert errors, [ET.tostring(e) for e in rest]
        assert errors[0].find(q(NS_STREAMS, "undefined-condition")) is not None, ET.tostring(errors[0])
        too_high = errors[0].find(q(NS_SM, "handled-count-too-high"))
        assert too_high is not None and too_high.get("h") == "7" and too_high.get("send-count") == "2", \
            ET.tostring(errors[0])
        assert server.alive()
        bob.close()


if __name__ == "__main__":
    h.main(test)
