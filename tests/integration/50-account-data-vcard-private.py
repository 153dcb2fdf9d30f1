# XEP-0054 vcard-temp and XEP-0049 private storage (with XEP-0048 bookmarks) through slixmpp's
# own plugins: publish and read one's vCard with Polish text and a photo, read another
# account's, refusal to write someone else's; store and read bookmarks; data kept across a
# restart of the server.
# backends: sqlite mariadb
import xmppd_harness as h
from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0048.stanza import Bookmarks
from xmpp_clients import Client, run

PLUGINS = ("xep_0030", "xep_0054", "xep_0049", "xep_0048")


def login(server, jid, password):
    c = Client(jid, password, plugins=PLUGINS)
    c["xep_0048"].auto_join = False
    return run(c.login(server.ports["c2s"]))


def test():
    with h.Server(channel_binding=False) as server:
        alice_jid = server.adduser("alice", "secret-a")
        bob_jid = server.adduser("bob", "secret-b")
        alice = login(server, alice_jid, "secret-a")
        bob = login(server, bob_jid, "secret-b")

        # XEP-0054 §3.1: nothing published yet: an empty vCard.
        empty = run(alice["xep_0054"].get_vcard(alice_jid))
        assert empty["type"] == "result", empty
        assert len(empty["vcard_temp"].xml) == 0, empty

        vcard = alice["xep_0054"].make_vcard()
        vcard["FN"] = "Anna Żółkiewska"
        vcard["NICKNAME"] = "anna"
        vcard["PHOTO"]["TYPE"] = "image/png"
        vcard["PHOTO"]["BINVAL"] = b"\x89PNG\r\n\x1a\n-consultant-photo"
        vcard["DESC"] = "Punkt Informacyjny Funduszy Europejskich, Łódź"
        run(alice["xep_0054"].publish_vcard(vcard))

        # XEP-0054 §3.3: bob reads alice's vCard, answered by the server.
        got = run(bob["xep_0054"].get_vcard(alice_jid))
        assert got["from"].bare == alice_jid, got
        assert got["vcard_temp"]["FN"] == "Anna Żółkiewska", got
        assert got["vcard_temp"]["PHOTO"]["TYPE"] == "image/png", got
        assert got["vcard_temp"]["PHOTO"]["BINVAL"] == b"\x89PNG\r\n\x1a\n-consultant-photo", got

        # XEP-0054 §3.2: bob may not write alice's vCard.
        forged = bob["xep_0054"].make_vcard()
        forged["FN"] = "Mallory"
        try:
            run(bob["xep_0054"].publish_vcard(forged, jid=alice_jid))
            raise AssertionError("setting another user's vCard succeeded")
        except IqError as e:
            assert e.iq["error"]["condition"] == "forbidden", e.iq

        # XEP-0049 + XEP-0048: bookmarks in private storage.
        marks = Bookmarks()
        marks.add_conference("konsultanci@conference.localhost", "anna", name="Konsultanci Łódź", autojoin=True)
        run(alice["xep_0048"].set_bookmarks(marks))
        stored = run(alice["xep_0048"].get_bookmarks())
        confs = stored["private"]["bookmarks"]["conferences"]
        assert len(confs) == 1 and confs[0]["jid"] == "konsultanci@conference.localhost", stored
        assert confs[0]["name"] == "Konsultanci Łódź", stored

        # XEP-0049 §2.3: bob cannot read alice's private data.
        iq = bob.make_iq_get(ito=alice_jid)
        iq["private"].enable("bookmarks")
        try:
            run(iq.send(timeout=5))
            raise AssertionError("reading another user's private data succeeded")
        except IqError as e:
            assert e.iq["error"]["condition"] == "forbidden", e.iq

        run(alice.close())
        run(bob.close())

        # Everything is in storage, not in memory.
        server.restart()
        alice = login(server, alice_jid, "secret-a")
        again = run(alice["xep_0054"].get_vcard(alice_jid))
        assert again["vcard_temp"]["FN"] == "Anna Żółkiewska", again
        stored = run(alice["xep_0048"].get_bookmarks())
        assert len(stored["private"]["bookmarks"]["conferences"]) == 1, stored
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
