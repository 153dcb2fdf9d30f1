# Fair routing with two consultants and several visitors (modules/livechat/routing.hpp, issue 6:
# "least busy first, then longest idle ... the accepted-offer counts of any two consultants never
# differ by more than one"): visitors join one after another, each offer is accepted by joining
# the room, and after every answer the counts of anna and bob are within one of each other. With
# both at their limit, the next visitor waits (position 1) until a conversation is closed.
import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from xmpp_clients import run

VISITORS = 6


def test():
    with lc.server(["general | Pytania ogólne | anna, bob | 30s"], max_chats=3) as server:
        staff = {"anna": run(lc.consultant(server, "anna", "anna-Pass-1")),
                 "bob": run(lc.consultant(server, "bob", "bob-Pass-2"))}
        accepted = {"anna": [], "bob": []}
        for i in range(VISITORS):
            v = run(lc.visitor(server))
            room = run(lc.join(v, "Pytanie numer %d" % (i + 1)))["room"]
            # Exactly one of them is offered this conversation.
            who = run(_first_offer(staff, room))
            run(m.join(staff[who], room, who.capitalize()))
            accepted[who].append(room)
            counts = {k: len(v) for k, v in accepted.items()}
            assert abs(counts["anna"] - counts["bob"]) <= 1, counts
        assert {k: len(v) for k, v in accepted.items()} == {"anna": 3, "bob": 3}, accepted

        # Both at their limit (3): the seventh visitor waits, first in line.
        v7 = run(lc.visitor(server))
        room7 = run(lc.join(v7, "Pytanie numer 7"))["room"]
        pos = run(m.next_message(v7, lambda s: s.xml.find("{%s}queue" % lc.NS) is not None, "a queue position"))
        assert pos.xml.find("{%s}queue" % lc.NS).get("position") == "1"
        for c in staff.values():
            run(c.sync())
            assert not any(s.xml.find(lc.CONFERENCE).get("jid") == room7 for s in lc.offers_now(c))
        # Bob closes one: the waiting visitor is offered to him.
        lc.say(staff["bob"], accepted["bob"][0], "!close")
        assert run(lc.offer(staff["bob"], "the waiting conversation"))[0] == room7


async def _first_offer(staff, room):
    import asyncio
    tasks = {asyncio.ensure_future(m.next_message(c, lambda s: lc.is_offer(s) and
                                                  s.xml.find(lc.CONFERENCE).get("jid") == room,
                                                  "the offer", 10)): name for name, c in staff.items()}
    done, pending = await asyncio.wait(tasks, timeout=12, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    for t in done:
        if t.exception() is None:
            return tasks[t]
    raise AssertionError("no offer for %s" % room)


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
