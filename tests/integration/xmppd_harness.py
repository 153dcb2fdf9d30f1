"""Starts a real xmppd for an integration test: a temporary directory made by `xmppctl init`,
listeners on free loopback ports (port 0, read back from --ports-file), accounts made with
`xmppctl adduser`. On failure the test prints the server log (Mosquitto's habit).

Environment: XMPPD_BUILD_DIR (default: build/ beside the sources), XMPPD_BACKEND=sqlite|mariadb
(mariadb uses XMPPD_TEST_MARIADB="host=…;port=…;user=…;database=…" as the storage test suite).
"""
import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DIR = os.environ.get("XMPPD_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
# XMPPD_LEAK_CHECK=1: the server is xmppd-leakcheck (LeakSanitizer's runtime, apps/CMakeLists.txt),
# and stop() fails on a leak report at exit.
LEAK_CHECK = os.environ.get("XMPPD_LEAK_CHECK") == "1"
XMPPD = os.path.join(BUILD_DIR, "apps", "xmppd-leakcheck" if LEAK_CHECK else "xmppd")
XMPPCTL = os.path.join(BUILD_DIR, "apps", "xmppctl")
DOMAIN = "localhost"
GUEST = "guest.localhost"


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(_toml(v) for v in value)
    return '"%s"' % value


def free_port():
    """A loopback port free now, for a listener whose port a test must know before the server
    starts (an HTTP origin, a client that reconnects by itself). Another process may take it
    first; rare enough here."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _mariadb_settings():
    spec = os.environ.get("XMPPD_TEST_MARIADB", "")
    if not spec:
        raise RuntimeError("XMPPD_BACKEND=mariadb needs XMPPD_TEST_MARIADB (see tests/mariadb/)")
    return dict(kv.split("=", 1) for kv in spec.split(";") if "=" in kv)


class Server:
    """One xmppd process. Use as a context manager or call stop()."""

    def __init__(self, extra_config="", backend=None, limits=None, channel_binding=True, log_level="info",
                 extra_listeners=()):
        """extra_listeners: dicts such as {"type": "c2s_tls", "channel_binding": False}, added
        after the demo listeners; their ports are in self.listeners (in configuration order)."""
        self.dir = tempfile.mkdtemp(prefix="xmppd-it-")
        self.backend = backend or os.environ.get("XMPPD_BACKEND", "sqlite")
        self.proc = None
        self.ports = {}
        self.listeners = []
        self.extra_listeners = list(extra_listeners)
        out = subprocess.run([XMPPCTL, "init", "--domain", DOMAIN, "--dir", self.dir, "--c2s-port", "0",
                              "--tls-port", "0", "--component-port", "0", "--http-port", "0"],
                             capture_output=True, text=True, check=True)
        self.config = out.stdout.strip()
        text = open(self.config).read()
        text = text.replace('address = "0.0.0.0"', 'address = "127.0.0.1"')
        text = text.replace('log_level = "info"', 'log_level = "%s"' % log_level)
        if not channel_binding:
            # Debian's slixmpp cannot do -PLUS on TLS 1.3 and would be refused by RFC 5802 §6.
            text = text.replace('type = "c2s"\n', 'type = "c2s"\nchannel_binding = false\n', 1)
        if self.backend == "mariadb":
            db = _mariadb_settings()
            name = "xmppd_it_" + uuid.uuid4().hex[:10]
            self._mariadb_create(db, name)
            pw = os.path.join(self.dir, "db.secret")
            with open(pw, "w") as f:
                f.write(db.get("password", "") + "\n")
            storage = ('[storage]\nbackend = "mariadb"\nmariadb_host = "%s"\nmariadb_port = %s\n'
                       'mariadb_user = "%s"\nmariadb_database = "%s"\n' %
                       (db.get("host", "127.0.0.1"), db.get("port", "3306"), db.get("user", "root"), name))
            if db.get("password"):
                storage += 'mariadb_password_file = "db.secret"\n'
            text = re.sub(r'\[storage\]\n(?:[^\[\n][^\n]*\n)*', storage + "\n", text)
        for listener in extra_listeners:
            # port 0 (any free port) unless the test chose one (e.g. to name it in origins).
            text += "\n[[listeners]]\naddress = \"127.0.0.1\"\n" + ("" if "port" in listener else "port = 0\n") + "".join(
                "%s = %s\n" % (k, _toml(v)) for k, v in listener.items())
        if limits:
            text += "\n[limits]\n" + "".join("%s = %s\n" % (k, v) for k, v in limits.items())
        text += extra_config
        with open(self.config, "w") as f:
            f.write(text)
        if self.backend == "mariadb":
            subprocess.run([XMPPCTL, "--config", self.config, "migrate"], check=True, capture_output=True)
        self.log_path = os.path.join(self.dir, "xmppd.log")
        atexit.register(self.stop)

    @staticmethod
    def _mariadb_create(db, name):
        args = ["mariadb", "-h", db.get("host", "127.0.0.1"), "-P", db.get("port", "3306"), "-u", db.get("user", "root")]
        env = dict(os.environ)
        if db.get("password"):
            env["MYSQL_PWD"] = db["password"]
        subprocess.run(args + ["-e", "CREATE DATABASE `%s` CHARACTER SET utf8mb4" % name], check=True, env=env)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.print_log()
        self.stop()
        return False

    def start(self):
        ports_file = os.path.join(self.dir, "ports")
        if os.path.exists(ports_file):
            os.unlink(ports_file)
        self.log = open(self.log_path, "ab")
        # Run under our own process name: other people's `pkill -x xmppd` on a shared machine
        # must not stop a test's server (the name is the basename of the path executed).
        exe = os.path.join(self.dir, "xmppd-itest")
        if not os.path.exists(exe):
            os.symlink(XMPPD, exe)
        self.proc = subprocess.Popen([exe, "--config", self.config, "--ports-file", ports_file],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(ports_file):
            if self.proc.poll() is not None:
                self.print_log()
                raise RuntimeError("xmppd exited with %s" % self.proc.returncode)
            if time.time() > deadline:
                self.print_log()
                raise RuntimeError("xmppd did not start in 20 s")
            time.sleep(0.02)
        # ports: the first listener of each type; listeners: (type, port) of every listener.
        self.ports = {}
        self.listeners = []
        for line in open(ports_file):
            kind, _addr, port = line.split()
            self.ports.setdefault(kind, int(port))
            self.listeners.append((kind, int(port)))
        return self

    def extra_port(self, index=0):
        """The port of the index-th of the extra_listeners given to the constructor."""
        return self.listeners[len(self.listeners) - len(self.extra_listeners) + index][1]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                # LeakSanitizer scans the heap at exit: a few seconds more.
                self.proc.wait(30 if LEAK_CHECK else 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if LEAK_CHECK and "ERROR: LeakSanitizer" in self.log_text():
            raise AssertionError("LeakSanitizer report in the server log:\n" + self.log_text()[-6000:])

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def drop_host(self, host):
        """Removes a host `xmppctl init` wrote (its [hosts."host"] table and subtables), e.g. so
        that a test's XEP-0114 component can serve that name instead."""
        out, skip = [], False
        for line in open(self.config).read().split("\n"):
            if line.startswith("["):
                skip = line.startswith('[hosts."%s"]' % host) or line.startswith('[hosts."%s".' % host)
            if not skip:
                out.append(line)
        with open(self.config, "w") as f:
            f.write("\n".join(out))

    def adduser(self, user, password):
        jid = user if "@" in user else "%s@%s" % (user, DOMAIN)
        subprocess.run([XMPPCTL, "--config", self.config, "adduser", jid], input=password + "\n",
                       text=True, check=True, capture_output=True)
        return jid

    def xmppctl(self, *args, input=None):
        return subprocess.run([XMPPCTL, "--config", self.config] + list(args), input=input, text=True,
                              capture_output=True)

    def log_text(self):
        try:
            return open(self.log_path, errors="replace").read()
        except OSError:
            return ""

    def wait_logged(self, text, timeout=30):
        """Until the log holds text. A line written after the work it reports (a purge logs once its
        index optimisation is done too) may trail what a client already sees."""
        deadline = time.time() + timeout
        while text not in self.log_text():
            assert time.time() < deadline, "not in the log after %s s: %r" % (timeout, text)
            time.sleep(0.05)

    def print_log(self):
        sys.stderr.write("----- xmppd log (%s) -----\n%s----- end of log -----\n" % (self.log_path, self.log_text()))

    def connect_raw(self, kind="c2s", timeout=5):
        s = socket.create_connection(("127.0.0.1", self.ports[kind]), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s


def built_modules():
    out = subprocess.run([XMPPD, "--list-modules"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def main(test, modules=()):
    """Runs `test()`; prints 'N passed, N failed' and exits non-zero on failure. A scenario whose
    modules are not in the build fails: a skipped test is not a passing one."""
    missing = sorted(set(modules) - built_modules())
    if missing:
        print("needs module(s) %s, not in this build" % ", ".join(missing))
        print("0 passed, 1 failed")
        sys.exit(1)
    try:
        test()
    except Exception:
        import traceback
        traceback.print_exc()
        print("0 passed, 1 failed")
        sys.exit(1)
    print("1 passed, 0 failed")
