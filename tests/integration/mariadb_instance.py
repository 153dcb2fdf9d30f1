"""A MariaDB server of a test's own (tests/mariadb/start-test-server.sh with a private
XMPPD_MARIADB_STATE), so a scenario may stop, freeze or kill it without touching the server the
other tests share. The harness's Server(backend="mariadb") then uses it through
XMPPD_TEST_MARIADB. Every wait is bounded."""
import atexit
import os
import signal
import subprocess
import tempfile
import time

import xmppd_harness as h

SCRIPTS = os.path.join(h.SOURCE_DIR, "tests", "mariadb")


class MariadbInstance:
    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="xmppd-it-mariadb-")
        self.env = dict(os.environ, XMPPD_MARIADB_STATE=self.state)
        out = subprocess.run([os.path.join(SCRIPTS, "start-test-server.sh")], env=self.env,
                             capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RuntimeError("start-test-server.sh failed:\n" + out.stderr)
        line = [l for l in out.stdout.splitlines() if l.startswith("export XMPPD_TEST_MARIADB=")][-1]
        self.spec = line.split("=", 1)[1].strip("'")
        self.settings = dict(kv.split("=", 1) for kv in self.spec.split(";") if "=" in kv)
        os.environ["XMPPD_TEST_MARIADB"] = self.spec  # what the harness's Server reads
        self.pid = self._read_pid()
        # The exact command line, to start the same server on the same data after a kill.
        with open("/proc/%d/cmdline" % self.pid, "rb") as f:
            self.cmdline = [a.decode() for a in f.read().split(b"\0") if a]
        atexit.register(self.stop)

    def _read_pid(self):
        with open(os.path.join(self.state, "mariadbd.pid")) as f:
            return int(f.read().strip())

    def freeze(self):
        """SIGSTOP: the server keeps its sockets but answers nothing (a hung database)."""
        os.kill(self.pid, signal.SIGSTOP)

    def kill(self, timeout=30):
        """SIGKILL (also of a frozen server): no shutdown, no flush beyond what InnoDB logged."""
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.time() + timeout
        while os.path.exists("/proc/%d" % self.pid) and not self._zombie():
            if time.time() > deadline:
                raise RuntimeError("mariadbd %d did not die" % self.pid)
            time.sleep(0.05)

    def _zombie(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True

    def start_again(self, timeout=60):
        """Starts mariadbd on the same data directory and port; returns when it answers."""
        proc = subprocess.Popen(self.cmdline, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = proc.pid
        with open(os.path.join(self.state, "mariadbd.pid"), "w") as f:
            f.write("%d\n" % self.pid)
        deadline = time.time() + timeout
        while not self.answers():
            if proc.poll() is not None:
                raise RuntimeError("mariadbd exited during start: %s" % self._error_log_tail())
            if time.time() > deadline:
                raise RuntimeError("mariadbd did not answer within %s s" % timeout)
            time.sleep(0.2)

    def answers(self):
        r = subprocess.run(["mariadb-admin", "--no-defaults", "--protocol=tcp", "-h", self.settings["host"],
                            "-P", self.settings["port"], "-u", self.settings["user"], "--connect-timeout=2",
                            "ping"], capture_output=True, timeout=10)
        return r.returncode == 0

    def _error_log_tail(self):
        try:
            return open(os.path.join(self.state, "error.log"), errors="replace").read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        except OSError:
            pass
        subprocess.run([os.path.join(SCRIPTS, "stop-test-server.sh")], env=self.env, capture_output=True,
                       timeout=120)
