# SCRAM-SHA-256-PLUS / SCRAM-SHA-1-PLUS (RFC 5802, RFC 7677) with channel binding, played by
# tests/tools/scram_plus_client (OpenSSL only, no server code): tls-exporter (RFC 9266) and
# tls-server-end-point (RFC 5929) over STARTTLS and direct TLS (XEP-0368); the client checks
# the server signature (RFC 5802 §5, mutual authentication). Refusals: channel-binding data of
# another TLS session → <not-authorized/>; gs2 flag 'y' while -PLUS is offered → refused
# (RFC 5802 §6, downgrade protection), accepted where -PLUS is not offered; TLS 1.2 offers
# tls-exporter only with the extended master secret (RFC 9266 §3, RFC 7627).
# backends: sqlite mariadb
import os
import subprocess

import xmppd_harness as h

TOOL = os.path.join(h.BUILD_DIR, "tests", "scram_plus_client")
PASSWORD = "Plus-Secret-9"


def login(port, *args):
    """Runs the client; returns (exit code, {"tls": …, "mechanisms": …, …})."""
    r = subprocess.run([TOOL, "--port", str(port), "--user", "alice"] + list(args), input=PASSWORD + "\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode in (0, 1), "client error %s: %s%s" % (r.returncode, r.stdout, r.stderr)
    out = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line)
    return r.returncode, out


def test():
    with h.Server(extra_listeners=[{"type": "c2s", "channel_binding": False}]) as server:
        server.adduser("alice", PASSWORD)
        c2s, direct, no_cb = server.ports["c2s"], server.ports["c2s_tls"], server.extra_port(0)

        # Both channel-binding types, both hashes, STARTTLS and direct TLS.
        for port, args in ((c2s, ["--cb", "tls-exporter"]), (c2s, ["--cb", "tls-server-end-point"]),
                           (direct, ["--direct-tls", "--cb", "tls-exporter"]),
                           (direct, ["--direct-tls", "--cb", "tls-server-end-point"]),
                           (c2s, ["--mechanism", "SCRAM-SHA-1-PLUS", "--cb", "tls-exporter"])):
            rc, out = login(port, *args)
            assert rc == 0, (args, out)
            assert out["tls"] == "TLSv1.3", out
            assert out["channel-binding"].split() == ["tls-exporter", "tls-server-end-point"], out
            assert out["server-signature"] == "verified", out
            assert out["jid"] == "alice@localhost/scram-plus", out

        # A man in the middle terminating TLS would have other binding data: not-authorized.
        for cb in ("tls-exporter", "tls-server-end-point"):
            rc, out = login(c2s, "--cb", cb, "--wrong-cb")
            assert (rc, out.get("failure")) == (1, "not-authorized"), (cb, out)
        # A type the server does not offer (tls-unique is undefined on TLS 1.3, RFC 9266 §3).
        rc, out = login(c2s, "--cb", "tls-unique")
        assert rc == 1 and "failure" in out, out

        # RFC 5802 §6: 'y' means "I can bind but you can't": wrong when -PLUS was offered.
        rc, out = login(c2s, "--mechanism", "SCRAM-SHA-256", "--gs2-y")
        assert (rc, out.get("failure")) == (1, "not-authorized"), out
        rc, out = login(direct, "--direct-tls", "--mechanism", "SCRAM-SHA-256", "--gs2-y")
        assert (rc, out.get("failure")) == (1, "not-authorized"), out
        # ... and fine where the server offers no -PLUS (channel_binding = false).
        rc, out = login(no_cb, "--mechanism", "SCRAM-SHA-256", "--gs2-y")
        assert rc == 0 and out["jid"], out
        assert "PLUS" not in out["mechanisms"] and out["channel-binding"] == "", out
        rc, out = login(no_cb, "--mechanism", "SCRAM-SHA-256-PLUS")
        assert (rc, out.get("failure")) == (1, "invalid-mechanism"), out
        # Plain 'n' (a client without channel binding) works on every listener.
        for port, args in ((c2s, []), (direct, ["--direct-tls"]), (no_cb, [])):
            rc, out = login(port, "--mechanism", "SCRAM-SHA-256", *args)
            assert rc == 0 and out["server-signature"] == "verified", out

        # TLS 1.2: OpenSSL negotiates the extended master secret, so tls-exporter is offered.
        rc, out = login(c2s, "--tls12", "--cb", "tls-exporter")
        assert rc == 0 and out["tls"] == "TLSv1.2" and out["ems"] == "yes", out
        assert "tls-exporter" in out["channel-binding"].split(), out
        # Without it tls-exporter is unsafe (RFC 9266 §3): not offered, and refused if tried.
        rc, out = login(c2s, "--tls12", "--no-ems", "--cb", "tls-exporter")
        assert out["ems"] == "no" and out["channel-binding"] == "tls-server-end-point", out
        assert rc == 1 and "failure" in out, out
        rc, out = login(c2s, "--tls12", "--no-ems", "--cb", "tls-server-end-point")
        assert rc == 0 and out["jid"], out
        assert server.alive()


if __name__ == "__main__":
    h.main(test)
