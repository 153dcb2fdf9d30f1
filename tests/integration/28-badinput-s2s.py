# bad-input.md row 26: dialback and s2s. Federation is off (DESIGN.md, "Hosts"): xmppd listens on
# no s2s port (only the configured c2s, direct-TLS and component ports are open), an s2s listener
# cannot even be configured, and dialback on a client port is refused: a jabber:server stream
# gets <invalid-namespace/> (RFC 6120 §4.9.3.10), a <db:result/> or <db:verify/> (XEP-0220) on a
# jabber:client stream gets <unsupported-stanza-type/> (§4.9.3.24), before or after login, so an
# unsolicited dialback answer (the CVE-2012-3525 class) has nothing to be accepted by.
import os

import raw_probe as rx
import xmppd_harness as h

DB = "jabber:server:dialback"


def listening_ports(pid):
    """TCP ports the process listens on: its socket inodes matched in /proc/net/tcp{,6}."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return ports


def build(p, server):
    user, pw = "s2s-user", "pw-s2s"
    server.adduser(user, pw)

    ports = listening_ports(server.proc.pid)
    assert ports == set(port for _, port in server.listeners), (ports, server.listeners)
    assert "s2s" not in server.ports and 5269 not in ports, server.ports
    print("ok   26 listening only on %s" % sorted(server.listeners), flush=True)

    result = "<db:result xmlns:db='%s' from='evil.example' to='localhost'>0123456789abcdef</db:result>" % DB
    verify = ("<db:verify xmlns:db='%s' from='evil.example' to='localhost' id='x'>0123456789abcdef</db:verify>"
              % DB)
    valid = "<db:result xmlns:db='%s' from='evil.example' to='localhost' type='valid'/>" % DB

    p.run("26 jabber:server stream on c2s", lambda i: rx.expect_preauth_error(
        server, "", "invalid-namespace", wait_features=False, xmlns="jabber:server",
        extra=" xmlns:db='%s' from='evil.example'" % DB))
    p.run("26 db:result before auth", lambda i: rx.expect_preauth_error(server, result, "unsupported-stanza-type"))
    p.run("26 unsolicited db:result type=valid before auth", lambda i: rx.expect_preauth_error(
        server, valid, "unsupported-stanza-type"))
    p.run("26 db:verify after login", lambda i: rx.expect_session_error(
        server, user, pw, verify, "unsupported-stanza-type", anonymous=i % 2 == 1))
    p.run("26 unsolicited db:result type=valid after login", lambda i: rx.expect_session_error(
        server, user, pw, valid, "unsupported-stanza-type", anonymous=i % 2 == 1))

    # Stanzas to other domains are not sent anywhere: remote-server-not-found (§8.3.3.15).
    w = p.witnesses
    reply = w.a.iq("<ping xmlns='urn:xmpp:ping'/>", to="evil.example")
    assert rx.stanza_error(reply) == ("cancel", "remote-server-not-found"), rx.to_xml(reply)


def no_s2s_listener_configurable():
    """A configuration with an s2s listener does not start, and says where the error is."""
    server = h.Server(channel_binding=False, extra_listeners=[{"type": "s2s"}])
    try:
        server.start()
    except RuntimeError:
        text = server.log_text()
        assert "listeners[" in text and "type" in text, text[-2000:]
        print("ok   26 an s2s listener is refused at start: %s"
              % [l for l in text.splitlines() if "listeners[" in l][-1:], flush=True)
        return
    finally:
        server.stop()
    raise AssertionError("xmppd started with an s2s listener")


def test():
    no_s2s_listener_configurable()
    rx.run_probes(build)


if __name__ == "__main__":
    h.main(test)
