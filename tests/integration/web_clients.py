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


class BrowserPage(NodeClient):
    """Headless Chromium (Debian's chromium) with one page, driven through playwright-core
    (tests/web/browser.mjs). Each call waits for the browser's answer (bounded)."""

    def __init__(self, **opts):
        if not os.path.exists(os.path.join(WEB_DIR, "node_modules", "playwright-core")):
            raise RuntimeError("tests/web/node_modules/playwright-core is missing: run `npm ci` in tests/web")
        super().__init__("browser.mjs", opts)
        self.next_id = 0
        self.expect(lambda e: "ready" in e, timeout=60, describe="Chromium started")

    def do(self, timeout=30, **cmd):
        self.next_id += 1
        cmd["id"] = self.next_id
        self.command(**cmd)
        ev = self.expect(lambda e: e.get("done") == cmd["id"] or e.get("failed") == cmd["id"], timeout=timeout,
                         describe="answer to %s" % json.dumps(cmd))
        if "failed" in ev:
            logs = [e for e in self.seen if "console" in e or "pageerror" in e][-20:]
            raise AssertionError("browser: %s failed: %s; page log: %s" % (json.dumps(cmd), ev["error"], logs))
        return ev

    def wait_text(self, selector, text, timeout=20):
        return self.do(wait_text=[selector, text, int(timeout * 1000)], timeout=timeout + 10)["text"]


def demo_webroot(dest):
    """The public web root as scripts/build-webroot.sh makes it (webclient/build-webroot.mjs: the
    demo page with strophe.js in demo/vendor/, the sample site, the built widget; no sources),
    built into `dest`. The widget is built first when it is missing (bounded)."""
    import widget_util
    widget_util.ensure_built()
    subprocess.run([NODE, os.path.join(WEB_DIR, "..", "..", "webclient", "build-webroot.mjs"), dest],
                   check=True, timeout=120, capture_output=True)
    return dest
