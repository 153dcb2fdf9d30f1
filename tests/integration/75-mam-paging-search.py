# XEP-0313 message archive with slixmpp's own XEP-0313/XEP-0059 plugins: alice writes bob 45
# messages; bob receives each with a XEP-0359 <stanza-id by='bob@localhost'/>, pages his archive
# forwards with slixmpp's RSM iterator and backwards with <before/>, and gets every message once,
# in order, under the ids he was given. XEP-0431 full-text search: "Zażółć gęślą jaźń" is found
# by "zazolc gesla jazn", by "ZAŻÓŁĆ", by a prefix and by a phrase. Nobody reads an archive that
# is not theirs (XEP-0313 §4: forbidden), and no body reaches the server log.
# backends: sqlite mariadb
import xmppd_harness as h
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Collector
from slixmpp.xmlstream.matcher import MatchXMLMask
from xmpp_clients import Client, run

NS_MAM = "urn:xmpp:mam:2"
NS_SID = "urn:xmpp:sid:0"
FULLTEXT = "{urn:xmpp:fulltext:0}fulltext"
PLUGINS = ("xep_0030", "xep_0199", "xep_0059", "xep_0313")


def bodies_of(results):
    return [m["mam_result"]["forwarded"]["stanza"]["body"] for m in results]


def ids_of(results):
    return [m["mam_result"]["id"] for m in results]


async def page(client, owner, **rsm):
    iq = await client["xep_0313"].retrieve(jid=owner, rsm=rsm, timeout=10)
    return iq["mam"]["results"], iq["mam_fin"]


async def search(client, owner, text, with_jid=None):
    """A MAM query with the XEP-0431 field, built and collected the way slixmpp's retrieve()
    does it."""
    iq, mask = client["xep_0313"]._pre_mam_retrieve(owner, None, None, with_jid, None)
    iq["mam"].set_custom_field(FULLTEXT, text)
    collector = Collector("search-" + iq["id"], MatchXMLMask(str(mask)))
    client.register_handler(collector)
    try:
        await iq.send(timeout=10)
    finally:
        results = collector.stop()
    return bodies_of(results)


def test():
    with h.Server(channel_binding=False) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        alice = run(Client(a + "/biuro", "alice-Pass-1", plugins=PLUGINS).login(server.ports["c2s"]))
        bob = run(Client(b + "/dom", "bob-Pass-2", plugins=PLUGINS).login(server.ports["c2s"]))
        carol = run(Client(c + "/x", "carol-Pass-3", plugins=PLUGINS).login(server.ports["c2s"]))

        sent = ["Wiadomość %d o naborze" % i for i in range(45)]
        sent[7] = "Zażółć gęślą jaźń"
        sent[20] = "Dofinansowanie ze środków UE dla firm z Łodzi"
        for body in sent:
            alice.send_message(mto=b, mbody=body, mtype="chat")
        got = [run(bob.next_message()) for _ in sent]
        assert [m["body"] for m in got] == sent
        stanza_ids = []
        for m in got:
            sids = [e for e in m.xml.findall("{%s}stanza-id" % NS_SID) if e.get("by") == b]
            assert len(sids) == 1, "XEP-0359: one stanza-id by bob's archive: %s" % m
            stanza_ids.append(sids[0].get("id"))
        assert len(set(stanza_ids)) == len(sent)

        # Forwards, with slixmpp's XEP-0059 iterator (<after/> the last id of each page).
        seen = []

        async def forwards():
            async for p in bob["xep_0313"].retrieve(jid=b, iterator=True, rsm={"max": 10}):
                seen.extend(p["mam"]["results"])
        run(forwards(), timeout=60)
        assert bodies_of(seen) == sent, bodies_of(seen)
        assert ids_of(seen) == stanza_ids, "results carry the ids the messages were delivered with"
        assert all(m["from"] == b for m in seen)

        # Backwards: <before/> empty is the last page, then <before/> its first id.
        back = []
        results, fin = run(page(bob, b, max=10, before=""))
        while True:
            back[:0] = results
            if fin["complete"] or not results:
                break
            results, fin = run(page(bob, b, max=10, before=ids_of(results)[0]))
        assert bodies_of(back) == sent, bodies_of(back)
        assert fin["rsm"]["count"] == "45"

        # alice's own archive holds what she sent.
        results, fin = run(page(alice, a, max=100))
        assert bodies_of(results) == sent and fin["complete"]

        # XEP-0431: folded like the archive, on both backends.
        assert run(search(bob, b, "zazolc gesla jazn")) == ["Zażółć gęślą jaźń"]
        assert run(search(bob, b, "ZAŻÓŁĆ")) == ["Zażółć gęślą jaźń"]
        assert run(search(bob, b, "dofin*")) == [sent[20]]
        assert run(search(bob, b, "UE lodzi", with_jid=a)) == [sent[20]]
        assert run(search(bob, b, '"gesla jazn"')) == ["Zażółć gęślą jaźń"]
        assert run(search(bob, b, '"jazn gesla"')) == []

        # XEP-0313 §4: an archive is read by its owner only.
        for intruder in (alice, carol):
            try:
                run(page(intruder, b, max=10))
                raise AssertionError("%s read bob's archive" % intruder.boundjid.bare)
            except IqError as e:
                assert e.iq["error"]["condition"] == "forbidden", e.iq
        assert not carol.messages.items

        for cl in (alice, bob, carol):
            run(cl.close())
        log = server.log_text()  # DESIGN.md: no message bodies in logs
        assert not [s for s in sent if s in log], "a body in the log"
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("presence", "mam"))
