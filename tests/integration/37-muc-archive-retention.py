# Per-room archive periods (issue 5; DESIGN.md privacy: retention per data class with a safe
# default, and a purge job). The room archive's host keeps messages for 1 h; its operator lets
# rooms choose up to 2 h (mam option room_archive_expires_after_max), and the purge runs every
# second. The owner of a room sets the room's period in the configuration form (XEP-0045 §10.2),
# in a field of ours that XEP-0045 does not define, named in Clark notation (XEP-0068 §3.4,
# §4.2): a list-single offering the host's default and the bound. 3 h is refused
# (not-acceptable, §10.2: beyond the service's policy); 3 s is taken, survives a restart
# (the room is persistent), and is shown in the room's disco#info (XEP-0128). The room's messages
# then leave its MAM archive (XEP-0313 queries to the room), while a room on the host's default
# period, whose messages are older still, keeps them. The default itself is unchanged.
# backends: sqlite mariadb
import asyncio

from slixmpp.exceptions import IqError

import muc_util as m
import room_archive_util as ra
import xmppd_harness as h
from xmpp_clients import run

PERIOD = "{urn:xmppd:muc:0}archive_expires_after"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"
OPTIONS = ('\n[hosts."%s".module.mam]\narchive_expires_after = "1h"\nroom_archive_expires_after_max = "2h"\n'
           'purge_interval = "1s"\n' % m.ROOMS)


def fields_of(form):
    fields = form["fields"]
    return {f["var"]: f for f in (fields.values() if hasattr(fields, "values") else fields)}


async def period_field(client, room):
    return fields_of(await client["xep_0045"].get_room_config(room))[PERIOD]


async def set_period(client, room, value):
    submit = client["xep_0004"].make_form(ftype="submit")
    submit.add_field(var="FORM_TYPE", ftype="hidden", value=ROOMCONFIG)
    submit.add_field(var=PERIOD, value=value)
    await client["xep_0045"].set_room_config(room, submit)


async def refused(client, room, value):
    try:
        await set_period(client, room, value)
    except IqError as e:
        return e.iq["error"]["type"], e.iq["error"]["condition"]
    raise AssertionError("a period of %s was accepted" % value)


async def shown_period(client, room):
    """The period the room's disco#info tells everyone (muc#roominfo form)."""
    info = await client["xep_0030"].get_info(jid=room, timeout=5)
    for form in info.xml.iter("{jabber:x:data}x"):
        for f in form.iter("{jabber:x:data}field"):
            if f.get("var") == PERIOD:
                return f.findtext("{jabber:x:data}value")
    return None


async def gone_from_mam(client, room):
    """Until a MAM query to the room counts no message (bounded by run()'s timeout)."""
    while await ra.count(client, room) > 0:
        await asyncio.sleep(0.1)


def test():
    with h.Server(channel_binding=False, extra_config=OPTIONS) as server:
        alice = run(ra.login(server, "alice", "alice-Pass-1"))
        short, usual = m.room_jid("krotki"), m.room_jid("zwykly")
        run(m.create_room(alice, short, "Alicja", persistentroom="1", enablelogging="1"))
        run(m.create_room(alice, usual, "Alicja", persistentroom="1", enablelogging="1"))

        f = run(period_field(alice, short))
        assert f["type"] == "list-single", f
        assert f["value"] == "default", f["value"]
        options = [(o["label"], o["value"]) for o in f["options"]]
        assert options == [("The service's default (1 hour)", "default"), ("2 hours", "2h")], options
        assert run(refused(alice, short, "3h")) == ("modify", "not-acceptable")
        assert run(refused(alice, short, "wkrótce")) == ("modify", "not-acceptable")
        run(set_period(alice, short, "3s"))
        assert run(period_field(alice, short))["value"] == "3s"
        assert run(period_field(alice, usual))["value"] == "default"

        # The period is the room's: it is there after a restart.
        run(alice.sync())
        server.restart()
        run(asyncio.wait_for(alice.lost.wait(), 10))
        alice = run(ra.relogin(server, "alice", "alice-Pass-1"))
        assert run(period_field(alice, short))["value"] == "3s"
        assert run(shown_period(alice, short)) == "3s"
        assert run(shown_period(alice, usual)) == "1h"

        run(m.join(alice, usual, "Alicja"))
        run(m.join(alice, short, "Alicja"))
        run(ra.say(alice, usual, ["Zostaje na godzinę", "Też zostaje"]))
        run(ra.say(alice, short, ["Znika po trzech sekundach", "Też znika"]))
        run(ra.wait_archived(alice, usual, 2))
        run(ra.wait_archived(alice, short, 2))

        # The purge takes the short room's messages; the same runs left the older ones of the room
        # on the host's period.
        run(gone_from_mam(alice, short), timeout=60)
        results, _ = run(ra.query(alice, usual, max="10"))
        assert ra.bodies(results) == ["Zostaje na godzinę", "Też zostaje"], ra.bodies(results)
        server.wait_logged("archived messages past retention")
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("muc", "mam"))
