# The operator's interface: xmppctl adduser / passwd / deluser (passwords on standard input,
# never in argv, which every local user can read), online, migrate; xmppd --check-config
# (DESIGN.md/STYLE.md: unknown keys stop the start and the message names the key path).
# Accounts survive a restart. A session of a deleted account is closed (XEP-0077 §3.2: the
# stream ends with <not-authorized/>).
# backends: sqlite mariadb
import asyncio
import subprocess

import xmppd_harness as h
from xmpp_clients import Client, run


def can_login(server, jid, password):
    c = Client(jid, password, mechanism="SCRAM-SHA-256")
    try:
        run(c.login(server.ports["c2s"]), timeout=20)
        return True
    except AssertionError:
        return False
    finally:
        run(c.close())


def test():
    with h.Server(channel_binding=False) as server:
        # adduser: password from stdin; a password given as an argument is refused.
        r = server.xmppctl("adduser", "alice@localhost", input="first-Pass-1\n")
        assert r.returncode == 0 and "alice@localhost created" in r.stdout, (r.stdout, r.stderr)
        r = server.xmppctl("adduser", "carol@localhost", "argv-password")
        assert r.returncode != 0 and "usage" in r.stderr, (r.returncode, r.stderr)
        r = server.xmppctl("adduser", "alice@localhost", input="other\n")
        assert r.returncode != 0 and "already exists" in r.stderr, r.stderr
        r = server.xmppctl("adduser", "visitor@guest.localhost", input="x-pass-123\n")
        assert r.returncode != 0 and "not an account host" in r.stderr, r.stderr
        r = server.xmppctl("adduser", "alice@localhost/res", input="x-pass-123\n")
        assert r.returncode != 0, r.stdout
        assert can_login(server, "alice@localhost", "first-Pass-1")

        # passwd: the new password works, the old one no longer does.
        r = server.xmppctl("passwd", "alice@localhost", input="second-Pass-2\n")
        assert r.returncode == 0 and "password changed" in r.stdout, r.stderr
        assert can_login(server, "alice@localhost", "second-Pass-2")
        assert not can_login(server, "alice@localhost", "first-Pass-1")
        r = server.xmppctl("passwd", "nobody@localhost", input="x-pass-123\n")
        assert r.returncode != 0 and "does not exist" in r.stderr, r.stderr

        # online: the sessions of the running server, one line each, then a count.
        server.adduser("bob", "bob-Pass-3")
        bob = Client("bob@localhost", "bob-Pass-3")
        run(bob.login(server.ports["c2s"]))
        alice = Client("alice@localhost", "second-Pass-2")
        run(alice.login(server.ports["c2s"]))
        r = server.xmppctl("online")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[-1] == "2 online", lines
        assert sorted(l.split()[0] for l in lines[:-1]) == sorted([str(alice.boundjid), str(bob.boundjid)]), lines

        # deluser: the connected session is closed and the account cannot log in any more.
        r = server.xmppctl("deluser", "bob@localhost")
        assert r.returncode == 0 and "bob@localhost deleted" in r.stdout, r.stderr
        run(asyncio.wait_for(bob.lost.wait(), 10))
        assert bob.stream_errors == ["not-authorized"], bob.stream_errors
        assert not can_login(server, "bob@localhost", "bob-Pass-3")
        assert server.xmppctl("online").stdout.splitlines()[-1] == "1 online"
        r = server.xmppctl("deluser", "bob@localhost")
        assert r.returncode != 0 and "does not exist" in r.stderr, r.stderr
        assert alice.is_connected(), "deleting bob must not touch alice's session"
        run(alice.close())

        # migrate: nothing to do on an up-to-date schema; running it twice is harmless.
        for _ in range(2):
            r = server.xmppctl("migrate")
            assert r.returncode == 0 and "up to date" in r.stdout, (r.stdout, r.stderr)

        # No password in the server's log, whatever happened above.
        assert not [p for p in ("first-Pass-1", "second-Pass-2", "bob-Pass-3") if p in server.log_text()]

        # Accounts survive a restart (and so do passwd and deluser).
        server.restart()
        assert can_login(server, "alice@localhost", "second-Pass-2")
        assert not can_login(server, "alice@localhost", "first-Pass-1")
        assert not can_login(server, "bob@localhost", "bob-Pass-3")
        server.stop()
        r = server.xmppctl("online")
        assert r.returncode != 0 and "no server running" in r.stderr, (r.stdout, r.stderr)

        # --check-config: valid; then an unknown key and an unknown module option, named by path.
        check = [h.XMPPD, "--config", server.config, "--check-config"]
        r = subprocess.run(check, capture_output=True, text=True)
        assert r.returncode == 0 and "configuration is valid" in r.stdout, (r.stdout, r.stderr)
        original = open(server.config).read()
        for addition, path in (("\n[limits]\nsmacks_resume_timout = \"1m\"\n", "limits.smacks_resume_timout"),
                               ('\n[hosts."localhost".module.ping]\ninterval = 5\n',
                                'hosts."localhost".module.ping.interval'),
                               ("\n[server]\nlog_level = \"verbose\"\n", None)):
            text = original + addition
            if "[server]" in addition:  # a bad value rather than an unknown key
                text = original.replace('log_level = "info"', 'log_level = "verbose"')
                path = "server.log_level"
            elif "[limits]" in addition and "\n[limits]\n" in original:
                text = original.replace("\n[limits]\n", addition, 1)
            with open(server.config, "w") as f:
                f.write(text)
            r = subprocess.run(check, capture_output=True, text=True)
            assert r.returncode != 0, (path, r.stdout)
            assert path in r.stderr, (path, r.stderr)
            # The server refuses to start with it, with the same message.
            r = subprocess.run([h.XMPPD, "--config", server.config], capture_output=True, text=True, timeout=20)
            assert r.returncode != 0 and path in r.stderr, (path, r.stderr)
        with open(server.config, "w") as f:
            f.write(original)


if __name__ == "__main__":
    h.main(test)
