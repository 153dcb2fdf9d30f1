"""Node web clients (tests/web/: xmpp.js and strophe.js from npm) for the 6x scenarios: each
runs as a child process that prints one JSON event per line and takes JSON commands on stdin."""
import json
import os
import queue
import subprocess
import threading
import time

WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web")
NODE = os.environ.get("NODE", "/usr/bin/node")


def ensure_node_modules():
    if not os.path.isdir(os.path.join(WEB_DIR, "node_modules", "@xmpp", "client")):
        raise RuntimeError("tests/web/node_modules is missing: run `npm ci` in tests/web (scripts/test.sh does)")


class NodeClient:
    def __init__(self, script, params, env=None):
        ensure_node_modules()
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([NODE, "--no-warnings", os.path.join(WEB_DIR, script),
                                      json.dumps(params)], cwd=WEB_DIR, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        self.events = queue.Queue()
        self.seen = []
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                self.events.put(json.loads(line))
            except ValueError:
                self.events.put({"noise": line})

    def _read_err(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def expect(self, pred, timeout=15, describe=""):
        """The first event (not yet consumed) for which pred is true; fails after `timeout` s."""
        for i, ev in enumerate(self.seen):
            if pred(ev):
                return self.seen.pop(i)
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("node client: no %s within %s s; got %s; stderr: %s" %
                                     (describe or "matching event", timeout, self.seen[-10:],
                                      "".join(self.stderr)[-2000:]))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if pred(ev):
                return ev
            self.seen.append(ev)

    def command(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.command(stop=True)
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
                self.proc.wait()
