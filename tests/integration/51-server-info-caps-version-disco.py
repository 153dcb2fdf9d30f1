# What a client learns about the server with slixmpp's own plugins: XEP-0030 disco#info of the
# host and of an account, XEP-0115 server caps in the stream features after authentication
# (and their node#ver answered, hashing to the ver), XEP-0092 version when enabled.
import re

import xmppd_harness as h
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath
from xmpp_clients import Client, run

PLUGINS = ("xep_0030", "xep_0092", "xep_0115")
CAPS = "{http://jabber.org/protocol/caps}c"


def with_version_module(server):
    text = open(server.config).read()
    text, n = re.subn(r'(\[hosts\."%s"\]\nmodules = \[)' % re.escape(h.DOMAIN), r'\1"version", ', text)
    assert n == 1, text
    with open(server.config, "w") as f:
        f.write(text)


def test():
    server = h.Server(channel_binding=False)
    with_version_module(server)
    with server:
        jid = server.adduser("alice", "secret-a")
        alice = Client(jid, "secret-a", plugins=PLUGINS)
        caps = []
        alice.register_handler(Callback("caps", MatchXPath("{http://etherx.jabber.org/streams}features"),
                                        lambda f: caps.extend(f.xml.findall(CAPS))))
        run(alice.login(server.ports["c2s"]))

        # XEP-0115 §6.3: exactly one <c/>, in the features after authentication.
        assert len(caps) == 1, caps
        c = caps[0].attrib
        assert c["hash"] == "sha-1" and c["node"] and c["ver"], c

        # XEP-0030 §3.1: the host's identity and the features of its modules.
        info = run(alice["xep_0030"].get_info(jid=h.DOMAIN, local=False))
        identities = info["disco_info"]["identities"]
        assert any(i[0] == "server" and i[1] == "im" for i in identities), identities
        features = info["disco_info"]["features"]
        for f in ("http://jabber.org/protocol/disco#info", "urn:xmpp:ping", "vcard-temp", "jabber:iq:private",
                  "jabber:iq:version", "http://jabber.org/protocol/caps"):
            assert f in features, (f, features)

        # XEP-0115 §5.4: what the client computes from that disco#info is the advertised ver.
        ver = alice["xep_0115"].generate_verstring(info["disco_info"], "sha-1")
        assert ver == c["ver"], (ver, c["ver"])
        # §6.2: node#ver is answered with the same information.
        node_info = run(alice["xep_0030"].get_info(jid=h.DOMAIN, node=c["node"] + "#" + c["ver"], local=False))
        assert node_info["disco_info"]["node"] == c["node"] + "#" + c["ver"], node_info
        assert alice["xep_0115"].generate_verstring(node_info["disco_info"], "sha-1") == c["ver"]
        # XEP-0030 §7: a node nobody serves.
        try:
            run(alice["xep_0030"].get_info(jid=h.DOMAIN, node="urn:example:none", local=False))
            raise AssertionError("an unknown node was answered")
        except IqError as e:
            assert e.iq["error"]["condition"] == "item-not-found", e.iq

        # XEP-0030: an account answers as account/registered.
        account = run(alice["xep_0030"].get_info(jid=jid, local=False))
        assert ("account", "registered", None, None) in account["disco_info"]["identities"], account

        # XEP-0092: name and version, no operating system unless configured.
        version = run(alice["xep_0092"].get_version(h.DOMAIN))
        assert version["software_version"]["name"] == "xmppd", version
        assert version["software_version"]["version"], version
        assert not version["software_version"]["os"], version

        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
