# The livechat crowd (issue 6 "Tests": 5 consultants in 3 workplaces and 50 visitors in 2 queues
# at once, every visitor answered, fairness as defined, queue position updates in order). Visitors
# and consultants are slixmpp and libstrophe clients (livechat_peers.py, libstrophe_pipe.c) mixed.
# The queues overlap in one consultant (celina); anna and bob serve only `general`, dawid and ewa
# only `grants`; max_chats is 2. All 50 visitors log in (XEP-0175) and join (docs/protocol.md
# "A visitor joins a queue") concurrently; each waits for its consultant to enter its room
# (XEP-0045 §7.2), asks, reads the answer, and is told the conversation closed (§10.9 destroy,
# <closed/>). Consultants accept offers (XEP-0249 invitations) by joining; bob and dawid each
# decline one (!decline) and ewa lets one expire. Consultants close in lock step: each closes one
# answered conversation, then everyone waits until routing has settled, so consultants with equal
# limits and availability (anna/bob, dawid/ewa) are equally free at every step and the issue's
# fairness definition applies: their accepted-offer counts end within one of each other.
# What each user sees is asserted: every visitor saw one consultant enter, got exactly one answer
# (to its own question, from that consultant, whose public profile named the right workplace),
# positions that never increased, stanzas of its own room only, and the closed notice; no
# consultant was ever offered more than max_chats at once or a conversation it had just
# declined; at the end the stored state has every conversation closed and no offer pending.
# backends: sqlite mariadb
import asyncio

import livechat_peers as p
import livechat_util as lc
import xmppd_harness as h
from xmpp_clients import run

VISITORS = 50
MAX_CHATS = 2
OFFER_TIMEOUT_S = 8  # long enough for a loaded machine: only ewa lets one expire
WAIT = 180  # bound of each wait of a visitor (it may wait for the whole crowd before it)
CONSULTANTS = [  # name, library, queues, workplace, what it does once (see Consultant.decide)
    ("anna", "slixmpp", ("general",), "Punkt w Łodzi", None),
    ("bob", "libstrophe", ("general",), "Punkt w Warszawie", "decline"),
    ("celina", "slixmpp", ("general", "grants"), "Punkt w Krakowie", None),
    ("dawid", "libstrophe", ("grants",), "Punkt w Łodzi", "decline"),
    ("ewa", "slixmpp", ("grants",), "Punkt w Warszawie", "expire"),
]
EQUALS = [("anna", "bob"), ("dawid", "ewa")]  # equal limits, queues and availability


def config():
    members = {q: ", ".join(n for n, _, qs, _, _ in CONSULTANTS if q in qs) for q in ("general", "grants")}
    queues = ["general | Pytania ogólne | %s | %ds" % (members["general"], OFFER_TIMEOUT_S),
              "grants | Dotacje | %s | %ds" % (members["grants"], OFFER_TIMEOUT_S)]
    profiles = ", ".join('"%s | %s Nowak | Konsultant | %s"' % (n, n.capitalize(), w) for n, _, _, w, _ in CONSULTANTS)
    # No greeting or busy message (their defaults): a visitor reads its consultant only.
    options = "consultant_profiles = [%s]\n" % profiles
    return queues, options


class World:
    """What the test knows: which rooms a consultant accepted, who waits (for settling)."""

    def __init__(self):
        self.visitors = {}  # room -> Visitor
        self.accepted_by = {}  # room -> consultant name
        self.closed = set()  # rooms whose visitor saw the close
        self.closed_by_consultants = set()
        self.failures = []

    def waiting(self, queues, excluded):
        return [r for r, v in self.visitors.items()
                if v.queue in queues and r not in self.accepted_by and r not in excluded]


class Visitor:
    def __init__(self, world, n, peer):
        self.world, self.n, self.peer = world, n, peer
        self.queue = "general" if n % 2 else "grants"
        self.question = "Pytanie gościa %d: czy mogę dostać dotację?" % n
        self.room = None

    async def run(self, port):
        joined = await self.peer.iq("set", lc.CHAT, "<join xmlns='%s' queue='%s'>%s</join>"
                                    % (lc.NS, self.queue, lc.join_form("Temat %d" % self.n)))
        self.room = joined.get("room")
        self.world.visitors[self.room] = self
        mine = lambda e: p.sender(e).startswith(self.room + "/")  # noqa: E731
        # The consultant enters (XEP-0045 §7.2.3 presence of a new occupant): not the visitor's own.
        entered = await self.peer.next(lambda e: p.is_stanza(e, "presence") and mine(e) and not e.get("type") and
                                       p.sender(e) != self.room + "/Visitor", "a consultant in " + self.room, WAIT)
        self.consultant_nick = p.sender(entered).split("/", 1)[1]
        p.groupchat(self.peer, self.room, self.question)
        self.answer = await self.peer.next(lambda e: p.is_stanza(e, "message") and e.get("type") == "groupchat" and
                                           p.sender(e) == self.room + "/" + self.consultant_nick and
                                           p.body(e).startswith("Odpowiedź"), "the answer in " + self.room, WAIT)
        self.closed = await self.peer.next(lambda e: p.is_stanza(e, "message") and p.sender(e) == lc.CHAT and
                                           e.find("{%s}closed" % lc.NS) is not None, "the closed notice", WAIT)
        self.world.closed.add(self.room)

    def check(self, consultants):
        """What this visitor saw, after its conversation closed."""
        f = self.world.failures
        who = self.world.accepted_by.get(self.room)
        c = consultants[who]
        seen = self.peer.found()
        if self.consultant_nick != c.nick:
            f.append("%s saw %s enter, but %s accepted it" % (self.room, self.consultant_nick, who))
        if p.body(self.answer) != "Odpowiedź na: " + self.question:
            f.append("%s got the answer %r" % (self.room, p.body(self.answer)))
        # Exactly one answer: nothing else from the consultant in the room (history included);
        # its own question reflected once (XEP-0045 §7.4).
        again = [e for e in seen if p.is_stanza(e, "message") and p.sender(e).startswith(self.room + "/") and p.body(e)
                 and p.sender(e) != self.room + "/Visitor"]
        if again:
            f.append("%s saw more room messages: %s" % (self.room, [p.body(e) for e in again]))
        echoes = [p.body(e) for e in seen if p.is_stanza(e, "message") and p.sender(e) == self.room + "/Visitor"]
        if echoes != [self.question]:
            f.append("%s: its own messages came back as %s" % (self.room, echoes))
        # Positions from the queue's JID never increase (docs/protocol.md, 1 is next).
        positions = [int(e.find("{%s}queue" % lc.NS).get("position")) for e in seen
                     if p.is_stanza(e, "message") and e.find("{%s}queue" % lc.NS) is not None]
        if any(b > a for a, b in zip(positions, positions[1:])):
            f.append("%s: positions went up: %s" % (self.room, positions))
        for e in seen:
            q = e.find("{%s}queue" % lc.NS)
            if q is not None and p.sender(e) != "%s@%s" % (self.queue, lc.CHAT):
                f.append("%s: a position from %s" % (self.room, p.sender(e)))
        # Only its own room: no stanza from another conversation's room, no offer, no command.
        for e in seen:
            frm = p.sender(e)
            if frm.startswith("c-") and not frm.startswith(self.room):
                f.append("%s saw a stanza of %s" % (self.room, frm))
            if e.find(lc.CONFERENCE) is not None or "!close" in p.body(e):
                f.append("%s saw %s" % (self.room, p.body(e) or "an invitation"))
        # The consultant's public profile: first name and workplace (docs/protocol.md).
        profiles = [e.find("{%s}profile" % lc.NS) for e in seen if e.find("{%s}profile" % lc.NS) is not None]
        if [(x.get("first_name"), x.get("workplace")) for x in profiles] != [(who.capitalize(), c.workplace)]:
            f.append("%s: profiles %s, expected %s of %s" % (self.room, [x.attrib for x in profiles], c.workplace, who))
        if self.closed.find("{%s}closed" % lc.NS).get("by") != "consultant":
            f.append("%s: closed by %s" % (self.room, self.closed.find("{%s}closed" % lc.NS).get("by")))


class Consultant:
    def __init__(self, world, name, library, queues, workplace, once, peer):
        self.world, self.name, self.library, self.queues = world, name, library, queues
        self.workplace, self.once, self.peer = workplace, once, peer
        self.nick = name.capitalize()
        self.rooms = []  # accepted and not yet closing, in accept order
        self.answered = set()
        self.closing = set()
        self.busy = 0  # offers and joins in progress, offers left to expire
        self.joining = 0
        self.refused = set()  # rooms declined or let expire
        self.declined = set()
        self.accepted = 0
        self.offers = []
        self.max_at_once = 0

    async def run(self):
        while True:
            offer = await self.peer.next(lambda e: p.is_stanza(e, "message") and p.sender(e) == lc.CHAT and
                                         e.find(lc.CONFERENCE) is not None, "an offer to " + self.name, 3600)
            self.busy += 1
            room = offer.find(lc.CONFERENCE).get("jid")
            # Never more than max_chats at once: accepted (or being joined) and not closing, plus
            # this offer.
            held = len(self.rooms) + self.joining + 1
            self.max_at_once = max(self.max_at_once, held)
            if held > MAX_CHATS:
                self.world.failures.append("%s was offered %s while holding %s" % (self.name, room, self.rooms))
            # A declined offer is not made again at once to the same consultant while a colleague
            # will be free (an expired one may be: the consultant may be back).
            if self.offers and self.offers[-1] == room and room in self.declined:
                self.world.failures.append("%s was offered %s again right after declining it" % (self.name, room))
            self.offers.append(room)
            # The one decline or expiry happens when this offer can be the only pending one
            # (!decline answers the newest, docs/protocol.md "Offers").
            if self.once and held == MAX_CHATS:
                action, self.once = self.once, None
                self.refused.add(room)
                if action == "decline":
                    self.declined.add(room)
                    self.peer.send("<message to='%s' type='chat'><body>!decline</body></message>" % lc.CHAT)
                    await self.peer.next(lambda e: p.sender(e) == lc.CHAT and "was declined" in p.body(e),
                                         "the decline acknowledged", 20)
                else:
                    await self.peer.next(lambda e: p.sender(e) == lc.CHAT and "expired" in p.body(e),
                                         "the offer expired", 20)
                self.busy -= 1
                continue
            self.joining += 1
            asyncio.ensure_future(self.take(room))

    async def take(self, room):
        try:
            p.join_room(self.peer, room, self.nick)
            own = await self.peer.next(lambda e: p.is_stanza(e, "presence") and p.sender(e) == room + "/" + self.nick,
                                       "%s in %s" % (self.name, room), 20)
            if own.get("type") == "error" or 110 not in p.status_codes(own):
                self.world.failures.append("%s could not join %s: %s" % (self.name, room, own.attrib))
                return
            self.rooms.append(room)
            self.accepted += 1
            self.world.accepted_by[room] = self.name
        finally:
            self.joining -= 1
            self.busy -= 1
        question = await self.peer.next(lambda e: p.is_stanza(e, "message") and p.sender(e) == room + "/Visitor" and
                                        p.body(e).startswith("Pytanie"), "the question in " + room, WAIT)
        p.groupchat(self.peer, room, "Odpowiedź na: " + p.body(question))
        self.answered.add(room)

    def settled(self):
        """Nothing in flight, and either full or nothing waits that routing could give it."""
        if self.busy or self.closing or any(r not in self.answered or r not in self.world.visitors or
                                            self.world.visitors[r].answer is None for r in self.rooms):
            return False
        return len(self.rooms) == MAX_CHATS or not self.world.waiting(self.queues, self.refused)

    async def close_one(self):
        room = self.rooms.pop(0)
        self.closing.add(room)
        p.groupchat(self.peer, room, "!close")
        # XEP-0045 §10.9: the room is destroyed; every occupant gets unavailable with <destroy/>.
        await self.peer.next(lambda e: p.is_stanza(e, "presence") and p.sender(e) == room + "/" + self.nick and
                             e.get("type") == "unavailable", "%s destroyed" % room, 20)
        await self.peer.next(lambda e: p.sender(e) == room and "Closing" in p.body(e), "the close answered", 20)
        self.closing.discard(room)
        self.world.closed_by_consultants.add(room)


async def until(pred, describe, timeout=60):
    deadline = asyncio.get_event_loop().time() + timeout
    while not pred():
        if asyncio.get_event_loop().time() > deadline:
            raise AssertionError("never: " + describe)
        await asyncio.sleep(0.05)


async def crowd(server):
    port = server.ports["c2s"]
    world = World()
    consultants = {}
    jids = {name: server.adduser(name, name + "-Pass-1") for name, *_ in CONSULTANTS}  # before any client runs
    for name, library, queues, workplace, once in CONSULTANTS:
        peer = await p.login(library, port, jids[name], name + "-Pass-1")
        peer.send("<presence/>")
        peer.send("<presence to='%s'/>" % lc.CHAT)  # RFC 6121 §4.6: available to the service
        consultants[name] = Consultant(world, name, library, queues, workplace, once, peer)
    workers = [asyncio.ensure_future(c.run()) for c in consultants.values()]

    # 50 visitors, every third one a libstrophe client, logged in ten at a time (TLS handshakes
    # of one Python process), then all joining at once.
    logins = []
    for first in range(1, VISITORS + 1, 10):
        logins += await asyncio.gather(*(p.login("libstrophe" if n % 3 == 0 else "slixmpp", port)
                                         for n in range(first, min(first + 10, VISITORS + 1))))
    visitors = [Visitor(world, n, peer) for n, peer in enumerate(logins, 1)]
    for v in visitors:
        v.answer = None
    running = asyncio.gather(*(v.run(port) for v in visitors))

    # Lock step: when routing has settled, every consultant closes one answered conversation.
    steps = 0
    while len(world.closed) < VISITORS:
        if running.done() and running.exception():
            raise running.exception()
        await until(lambda: len(world.visitors) == VISITORS and all(c.settled() for c in consultants.values()),
                    "routing settled: %s" % {c.name: (c.busy, c.rooms, sorted(c.closing)) for c in consultants.values()})
        closable = [c for c in consultants.values() if c.rooms]
        assert closable or len(world.closed) == VISITORS, "nobody can close, and %d visitors wait: %s" % (
            VISITORS - len(world.accepted_by), world.waiting(("general", "grants"), ()))
        await asyncio.gather(*(c.close_one() for c in closable))
        steps += 1
        await until(lambda: world.closed_by_consultants <= world.closed, "the visitors of closed rooms told")
    await asyncio.wait_for(running, 30)
    for w in workers:
        w.cancel()

    assert not world.failures, "\n".join(world.failures)
    for v in visitors:
        v.check(consultants)
    assert not world.failures, "\n".join(world.failures)
    counts = {c.name: c.accepted for c in consultants.values()}
    assert sum(counts.values()) == VISITORS, counts
    for a, b in EQUALS:
        assert abs(counts[a] - counts[b]) <= 1, "not fair: %s" % counts
    for c in consultants.values():
        assert c.max_at_once <= MAX_CHATS, (c.name, c.max_at_once)
        assert c.once is None, (c.name, "never had the chance to", c.once)
    libraries = {v.peer.library for v in visitors} | {c.library for c in consultants.values()}
    assert libraries == {"slixmpp", "libstrophe"}, libraries

    # The stored state says the same (written behind what users see: read until it holds, bounded):
    # all closed, nothing pending, accepted offers per consultant.
    lc.wait_rows(server, "SELECT state, COUNT(*) FROM livechat_conversations GROUP BY state",
                 pred=lambda r: [(s, int(n)) for s, n in r] == [("closed", VISITORS)], timeout=30)
    lc.wait_rows(server, "SELECT COUNT(*) FROM livechat_offers WHERE state = 'pending'",
                 pred=lambda r: int(r[0][0]) == 0, timeout=30)
    stored = dict((jid.split("@")[0], int(n)) for jid, n in lc.rows(
        server, "SELECT consultant, COUNT(*) FROM livechat_offers WHERE state = 'accepted' GROUP BY consultant"))
    assert stored == counts, (stored, counts)
    answered = dict((jid.split("@")[0], int(n)) for jid, n in lc.rows(
        server, "SELECT consultant, COUNT(*) FROM livechat_conversations GROUP BY consultant"))
    assert answered == counts, (answered, counts)
    declined = lc.rows(server, "SELECT consultant, state FROM livechat_offers WHERE state IN ('declined', 'expired') "
                               "ORDER BY consultant")
    assert sorted((j.split("@")[0], s) for j, s in declined) == [("bob", "declined"), ("dawid", "declined"),
                                                                ("ewa", "expired")], declined
    print("crowd: %d visitors, %d lock steps, accepted %s" % (VISITORS, steps, counts))
    await asyncio.gather(*(peer.close() for peer in [v.peer for v in visitors] + [c.peer for c in consultants.values()]))


def test():
    queues, options = config()
    with lc.server(queues, max_chats=MAX_CHATS, options=options,
                   limits={"anonymous_logins_per_ip_per_minute": 1000, "max_preauth_per_ip": 1000}) as server:
        run(crowd(server), timeout=400)


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
