# backends: sqlite mariadb
# Issue 4: a visitor's upload quota is per conversation, not per session. A visitor's anonymous
# JID changes at every reload (XEP-0175), its conversation does not (issue 6 "Visitor identity"),
# so the XEP-0363 slots of all the sessions of one conversation count together against
# `visitor_quota`; a reload cannot reset it. A visitor outside a conversation gets no slot (§5
# not-allowed), nor after its conversation was closed. Every stored file carries the client id of
# its conversation and a data class (issue 6: export, erasure and retention find it).
import os

import livechat_util as lc
import muc_util as m
import xmppd_harness as h
from upload_util import MAX, UPLOAD, Http, path_of, request_slot, slot_error
from xmpp_clients import run

PLUGINS = lc.PLUGINS + ("xep_0363",)


def put(web, port, slot, data):
    put_url, get_url, headers = slot
    status, _, _ = web.request("PUT", path_of(put_url, port), data, dict(headers, **{"Content-Type": "image/png"}))
    assert status == 201, status
    return get_url


def test():
    port = h.free_port()
    upload = ('\n[hosts."%s".module.upload]\npublic_url = "http://%s:%d"\nmax_file_size = "64KiB"\n'
              'visitor_quota = "80KiB"\ncontent_types = ["image/*"]\n' % (UPLOAD, UPLOAD, port))
    with lc.server(["general | Pytania ogólne | anna | 30s"], options=upload,
                   extra_listeners=[{"type": "http", "tls": "none", "port": port}]) as server:
        web = Http(port)
        anna = run(lc.consultant(server, "anna", "anna-Pass-1"))

        # Not in a conversation: no slot at all.
        stranger = run(lc.visitor(server, PLUGINS))
        err = run(slot_error(stranger, "a.png", 1000, "image/png"))
        assert err["error"]["condition"] == "not-allowed", err

        v1 = run(lc.visitor(server, PLUGINS))
        joined = run(lc.join(v1, "Wniosek o dotację"))
        room, token = joined["room"], joined["token"]
        run(lc.offer(anna))
        run(m.join(anna, room, "Anna"))
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(MAX - 8)
        first = put(web, port, run(request_slot(v1, "skan.png", MAX, "image/png")), png)
        assert web.request("GET", path_of(first, port))[0] == 200

        # The page is reloaded: a new anonymous session rejoins by token. The 64 KiB already sent
        # count: another 64 KiB would pass 80 KiB (§5 resource-constraint), 10 KiB still fit.
        run(v1.close())
        v1b = run(lc.visitor(server, PLUGINS))
        assert v1b.boundjid.bare != v1.boundjid.bare
        assert run(lc.rejoin(v1b, token))["room"] == room
        err = run(slot_error(v1b, "drugi.png", MAX, "image/png"))
        assert err["error"]["condition"] == "resource-constraint", err
        put(web, port, run(request_slot(v1b, "maly.png", 10 * 1024, "image/png")), png[:10 * 1024])

        # Another visitor's conversation has a quota of its own.
        v2 = run(lc.visitor(server, PLUGINS))
        room2 = run(lc.join(v2, "Inna sprawa"))["room"]
        assert room2 != room
        run(request_slot(v2, "inny.png", MAX, "image/png"))

        # Stored under the conversation, with its client id and the data class.
        conv = room.split("@")[0][2:]
        client = lc.rows(server, "SELECT client FROM livechat_conversations WHERE id = ?", (conv,))[0][0]
        assert client, "the conversation has no client"
        files = lc.rows(server, "SELECT client, data_class, size FROM uploads WHERE owner = ?", (room,))
        assert sorted(files) == sorted([(client, "upload", str(MAX) if server.backend == "mariadb" else MAX),
                                        (client, "upload", str(10 * 1024) if server.backend == "mariadb" else 10 * 1024)]), files

        # Closed: the session is in no conversation any more, so no more slots; the files stay
        # until their retention.
        lc.say(anna, room, "!close")
        run(m.next_presence(v1b, lambda p: p["from"].bare == room and p["type"] == "unavailable",
                            "the room's end at the visitor"))
        err = run(slot_error(v1b, "po.png", 1000, "image/png"))
        assert err["error"]["condition"] == "not-allowed", err
        assert web.request("GET", path_of(first, port))[0] == 200
        for c in (anna, stranger, v1b, v2):
            run(c.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
