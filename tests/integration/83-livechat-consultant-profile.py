# The consultant's public profile (issue 6 "Consultants", docs/protocol.md "The consultant's public
# profile"): when a consultant answers, the visitor gets <profile/> with the first name, initials
# and workplace only; the full name, title and photo (the consultant's XEP-0084 avatar, §4.1 data
# and §4.2 metadata, published with slixmpp) only after the consultant grants <consent/>, which
# is stored with its time and can be revoked; the visitor also asks for it by token (<profile/>).
# backends: sqlite mariadb
import base64
import hashlib

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import Client, run

NS = lc.NS
# A 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def consent(c, granted=None):
    if granted is None:
        return c.raw_iq("get", lc.CHAT, "<consent xmlns='%s'/>" % NS)
    return c.raw_iq("set", lc.CHAT, "<consent xmlns='%s' granted='%s'/>" % (NS, "true" if granted else "false"))


def profile_message(v):
    st = run(m.next_message(v, lambda s: s.xml.find("{%s}profile" % NS) is not None, "the consultant's profile"))
    return st.xml.find("{%s}profile" % NS)


def answered(server, anna, v, topic):
    """The visitor joins, anna accepts by joining; returns (joined, the visitor's <profile/>)."""
    joined = run(lc.join(v, topic))
    room, _ = run(lc.offer(anna))
    run(m.join(anna, room, "Anna"))
    return joined, profile_message(v)


def close(anna, room):
    lc.say(anna, room, "!close")
    run(lc.service_reply(anna, room, "Closing"))


def test():
    profiles = 'consultant_profiles = ["anna | Anna Maria Kowalska | Specjalistka ds. dotacji | Punkt w Łodzi"]\n'
    with lc.server(["general | Pytania ogólne | anna | 30s"], options=profiles) as server:
        jid = server.adduser("anna", "anna-Pass-1")
        anna = run(Client(jid, "anna-Pass-1", plugins=lc.PLUGINS + ("xep_0084",)).login(server.ports["c2s"]))
        lc.available(anna)
        run(anna.sync())
        # Her avatar in PEP (XEP-0084 §4.1 data, then §4.2 metadata naming it).
        sha1 = hashlib.sha1(PNG).hexdigest()
        run(anna["xep_0084"].publish_avatar(PNG))
        run(anna["xep_0084"].publish_avatar_metadata([{"id": sha1, "type": "image/png", "bytes": len(PNG)}]))

        # No consent recorded: first name, initials, workplace; no full name, title or photo.
        assert run(lc.send(consent(anna), "consent")).get("granted") == "false"
        v = run(lc.visitor(server))
        j1, p = answered(server, anna, v, "Pierwsze pytanie")
        assert p.get("first_name") == "Anna" and p.get("initials") == "AMK", p.attrib
        assert p.get("workplace") == "Punkt w Łodzi", p.attrib
        assert p.get("full_name") is None and p.get("title") is None, p.attrib
        assert p.find("{%s}photo" % NS) is None
        # By token too (a rejoin after a reload).
        again = run(lc.send(v.raw_iq("get", lc.CHAT, "<profile xmlns='%s' token='%s'/>" % (NS, j1["token"])), "profile"))
        assert again.get("first_name") == "Anna" and again.get("full_name") is None, again.attrib
        close(anna, j1["room"])

        # She consents: the next visitor sees the full name, title and photo.
        granted = run(lc.send(consent(anna, True), "consent"))
        assert granted.get("granted") == "true" and granted.get("changed", "").endswith("Z"), granted.attrib
        v2 = run(lc.visitor(server))
        j2, p = answered(server, anna, v2, "Drugie pytanie")
        assert p.get("full_name") == "Anna Maria Kowalska" and p.get("title") == "Specjalistka ds. dotacji", p.attrib
        photo = p.find("{%s}photo" % NS)
        assert photo is not None and photo.get("type") == "image/png", p.attrib
        assert base64.b64decode(photo.text) == PNG
        close(anna, j2["room"])

        # Revoked: back to the default.
        assert run(lc.send(consent(anna, False), "consent")).get("granted") == "false"
        v3 = run(lc.visitor(server))
        j3, p = answered(server, anna, v3, "Trzecie pytanie")
        assert p.get("full_name") is None and p.find("{%s}photo" % NS) is None, p.attrib
        assert p.get("first_name") == "Anna"

        # Only staff record a consent; a visitor cannot, nor read another's profile without a token.
        assert run(lc.error_of(consent(v3, True)))[0] == "forbidden"
        assert run(lc.error_of(v3.raw_iq("get", lc.CHAT, "<profile xmlns='%s' token='%s'/>" % (NS, "0" * 32))))[0] \
            == "item-not-found"

        # Stored: the current answer and every change, with its time.
        got = lc.wait_rows(server, "SELECT granted FROM livechat_profile_consents WHERE consultant = ?",
                           ("anna@localhost",), lambda r: r and str(r[0][0]) == "0")
        assert len(got) == 1
        log = lc.wait_rows(server, "SELECT granted FROM livechat_profile_consent_log WHERE consultant = ? ORDER BY id",
                           ("anna@localhost",), lambda r: len(r) == 2)
        assert [str(r[0]) for r in log] == ["1", "0"], log


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc", "pep"))
