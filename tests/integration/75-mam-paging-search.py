# XEP-0313 message archive with slixmpp's own XEP-0313/XEP-0059 plugins: alice writes bob 45
# messages; bob receives each with a XEP-0359 <stanza-id by='bob@localhost'/>, pages his archive
# forwards with slixmpp's RSM iterator and backwards with <before/>, and gets every message once,
# in order, under the ids he was given. XEP-0431 full-text search: "Zażółć gęślą jaźń" is found
# by "zazolc gesla jazn", by "ZAŻÓŁĆ", by a prefix and by a phrase. Nobody reads an archive that
# is not theirs (XEP-0313 §4: forbidden), and no body reaches the server log. alice's XEP-0198
# acknowledgements come only once the archive has committed her messages.
# backends: sqlite mariadb
import asyncio

import xmppd_harness as h
from slixmpp.exceptions import IqError
from mam_util import query
from xmpp_clients import Client, run

NS_MAM = "urn:xmpp:mam:2"
NS_SID = "urn:xmpp:sid:0"
FULLTEXT = "{urn:xmpp:fulltext:0}fulltext"
PLUGINS = ("xep_0030", "xep_0199", "xep_0059", "xep_0313")


def complete(fin):
    return fin.xml.get("complete") == "true"  # XEP-0313 §4.3


def bodies_of(results):
    return [m["mam_result"]["forwarded"]["stanza"]["body"] for m in results]


def ids_of(results):
    return [m["mam_result"]["id"] for m in results]


async def page(client, owner, **rsm):
    return await query(client, owner, **rsm)


async def search(client, owner, text, with_jid=None):
    results, _ = await query(client, owner, {FULLTEXT: text}, with_jid)
    return bodies_of(results)


async def all_acked(client):
    sm = client["xep_0198"]
    sm.request_ack()
    while sm.last_ack != sm.seq:  # bounded by run()'s timeout
        await asyncio.sleep(0.05)


def test():
    with h.Server(channel_binding=False) as server:
        a = server.adduser("alice", "alice-Pass-1")
        b = server.adduser("bob", "bob-Pass-2")
        c = server.adduser("carol", "carol-Pass-3")
        # alice uses XEP-0198: an <a/> covers a message only once its archive records are
        # committed, so when all are acknowledged both archives hold them.
        alice = run(Client(a + "/biuro", "alice-Pass-1", plugins=PLUGINS + ("xep_0198",)).login(server.ports["c2s"]))
        run(alice.sm_enabled.wait(), timeout=5)
        bob = run(Client(b + "/dom", "bob-Pass-2", plugins=PLUGINS).login(server.ports["c2s"]))
        carol = run(Client(c + "/x", "carol-Pass-3", plugins=PLUGINS).login(server.ports["c2s"]))

        sent = ["Wiadomość %d o naborze" % i for i in range(45)]
        sent[7] = "Zażółć gęślą jaźń"
        sent[20] = "Dofinansowanie ze środków UE dla firm z Łodzi"
        for body in sent:
            alice.send_message(mto=b, mbody=body, mtype="chat")
        run(all_acked(alice))
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
        results, fin = run(page(bob, b, max="10", before=True))
        while True:
            back[:0] = results
            if complete(fin):
                break
            results, fin = run(page(bob, b, max="10", before=ids_of(results)[0]))
        assert bodies_of(back) == sent, bodies_of(back)
        assert fin["rsm"]["count"] == "45"

        # alice's own archive holds what she sent.
        results, fin = run(page(alice, a, max="100"))
        assert bodies_of(results) == sent, bodies_of(results)
        assert complete(fin), fin

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
                run(page(intruder, b, max="10"))
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
