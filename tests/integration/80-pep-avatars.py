# XEP-0163 PEP with XEP-0084 avatars through slixmpp's own plugins (xep_0115 caps with
# "+notify", xep_0163, xep_0084): an avatar a user publishes reaches a contact with a presence
# subscription and not a stranger (XEP-0163 §4), who also cannot fetch it (XEP-0060 §6.5.9.3);
# XEP-0398 conversion both ways: the PEP avatar becomes the vCard photo (§3.1), a vCard photo
# becomes the PEP avatar (§3.2) and its hash is put in the user's presence (§4).
# backends: sqlite mariadb
import hashlib
import xml.etree.ElementTree as ET

import xmppd_harness as h
from slixmpp.exceptions import IqError
from xmpp_clients import Client, Inbox, befriend, run

PLUGINS = ("xep_0030", "xep_0199", "xep_0115", "xep_0060", "xep_0163", "xep_0084", "xep_0054")
PNG = b"\x89PNG\r\n\x1a\n" + "konsultantka Łódź".encode() + bytes(range(256))
JPEG = b"\xff\xd8\xff\xe0" + b"inna-fotografia" * 20


def login(server, jid, password):
    c = Client(jid, password, plugins=PLUGINS)
    c.avatars = Inbox("avatar metadata notification")
    c.add_event_handler("avatar_metadata_publish", c.avatars.put)
    c.events = Inbox("pubsub notification")
    c.add_event_handler("pubsub_publish", c.events.put)
    run(c.login(server.ports["c2s"], get_roster=True))
    wait_caps_known(c)
    return c


def wait_caps_known(c):
    """Returns once the server knows the client's XEP-0115 caps, so that filtered notifications
    (XEP-0163 §4.2) reach it: the client publishes an item on a node of its own, then announces
    interest in it, and the server sends that node's last item as soon as it has learned the new
    caps (XEP-0163 §4.3.3, §4.3.4)."""
    marker = "urn:example:caps-ready"
    run(c["xep_0060"].publish(None, marker, id="ready", payload=ET.fromstring("<ready xmlns='%s'/>" % marker)))
    c["xep_0030"].add_feature(marker + "+notify")
    run(c["xep_0115"].update_caps())
    run(c.events.get(lambda m: m["from"].bare == c.boundjid.bare and
                     m["pubsub_event"]["items"]["node"] == marker, describe="the caps marker"))


def metadata_ids(msg):
    item = msg["pubsub_event"]["items"]["item"]
    return [info["id"] for info in item["avatar_metadata"]["items"]]


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "secret-a")
        bob_jid = server.adduser("bob", "secret-b")
        carol_jid = server.adduser("carol", "secret-c")
        alice = login(server, alice_jid, "secret-a")
        bob = login(server, bob_jid, "secret-b")
        carol = login(server, carol_jid, "secret-c")
        run(befriend(alice, bob))

        # XEP-0163 §6.1: the account is a PEP service and converts avatars (XEP-0398 §2).
        info = run(alice["xep_0030"].get_info(alice_jid))["disco_info"]
        assert ("pubsub", "pep", None, None) in info["identities"], info
        assert "urn:xmpp:pep-vcard-conversion:0" in info["features"], info

        # XEP-0084 §4.1/§4.2: data first, then the metadata that notifies.
        png_id = hashlib.sha1(PNG).hexdigest()
        run(alice["xep_0084"].publish_avatar(PNG))
        run(alice["xep_0084"].publish_avatar_metadata([{"id": png_id, "type": "image/png", "bytes": len(PNG)}]))
        got = run(bob.avatars.get(lambda m: m["from"].bare == alice_jid, describe="alice's avatar"))
        assert metadata_ids(got) == [png_id], got
        data = run(bob["xep_0084"].retrieve_avatar(alice_jid, png_id))
        assert data["pubsub"]["items"]["item"]["avatar_data"]["value"] == PNG

        # A stranger: no notification (checked after a round trip), and no access.
        run(carol.sync())
        run(bob.sync())
        assert not carol.avatars.find(), carol.avatars.items
        try:
            run(carol["xep_0084"].retrieve_avatar(alice_jid, png_id))
            raise AssertionError("a stranger read a presence-access avatar")
        except IqError as e:
            assert e.iq["error"]["condition"] == "not-authorized", e.iq

        # XEP-0398 §3.1: the PEP avatar is now the vCard photo. The server copies it after
        # answering the publish, so bob asks until he sees it (bounded).
        vcard = None
        for _ in range(50):
            try:
                vcard = run(bob["xep_0054"].get_vcard(alice_jid))["vcard_temp"]
                if vcard["PHOTO"]["BINVAL"]:
                    break
            except IqError as e:  # XEP-0054 §3.3: no vCard yet
                assert e.iq["error"]["condition"] == "item-not-found", e.iq
            run(bob.sync())
        assert vcard["PHOTO"]["BINVAL"] == PNG, vcard
        assert vcard["PHOTO"]["TYPE"] == "image/png", vcard

        # XEP-0398 §3.2: a vCard photo becomes the PEP avatar, notified to the contact.
        card = alice["xep_0054"].make_vcard()
        card["FN"] = "Alicja Kowalska"
        card["PHOTO"]["TYPE"] = "image/jpeg"
        card["PHOTO"]["BINVAL"] = JPEG
        run(alice["xep_0054"].publish_vcard(card))
        jpeg_id = hashlib.sha1(JPEG).hexdigest()
        got = run(bob.avatars.get(lambda m: m["from"].bare == alice_jid and metadata_ids(m) == [jpeg_id],
                                  describe="avatar from the vCard"))
        data = run(bob["xep_0084"].retrieve_avatar(alice_jid, jpeg_id))
        assert data["pubsub"]["items"]["item"]["avatar_data"]["value"] == JPEG

        # XEP-0398 §4: the server puts the photo's hash in alice's presence.
        bob.presences.clear()
        alice.send_presence(pstatus="w biurze")
        pres = run(bob.next_presence(pred=lambda p: p["from"].bare == alice_jid and p["status"] == "w biurze"))
        update = pres.xml.find("{vcard-temp:x:update}x")
        assert update is not None, pres
        assert update.findtext("{vcard-temp:x:update}photo") == jpeg_id, pres

        for c in (alice, bob, carol):
            run(c.close())


if __name__ == "__main__":
    h.main(test, modules=("pep", "caps", "vcard"))
