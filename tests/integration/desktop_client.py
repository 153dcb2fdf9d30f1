"""Profanity (Debian's `profanity`, an unmodified console XMPP client) driven the way a person
uses it: it runs in a detached tmux session, the test types into it with `tmux send-keys` and
reads what is on the screen with `tmux capture-pane` and what Profanity wrote to its chat logs
(`/logging chat on`, the files a user can read later).

Isolation, so that several tests run at once (ctest -j): every instance has its own temporary
directory with HOME, XDG_CONFIG_HOME and XDG_DATA_HOME inside it (Profanity's profrc, accounts,
trusted certificates, logs and chat logs live there) and its own tmux server on a socket in that
directory (`tmux -S`); close() ends only that tmux server. Nothing is read from the user's own
tmux or Profanity configuration.

Secrets: the password is typed at Profanity's own "Enter password:" prompt (`/connect JID`
asks for it). It goes to tmux through `load-buffer -` on standard input and `paste-buffer`, so
it never appears in any process's argv (ps), in a shell history or in Profanity's configuration.

The texts waited for are Profanity 0.13.1's (Debian 12): "Enter password:", "… logged in
successfully", "Use '/tls always' …", "Lost connection.", "Received authorization request from …",
"Chat room invite received:", "Room message: …", "Room destroyed: …".

Every wait has a deadline; a failed wait raises AssertionError with the screen and the tail of
Profanity's own log, so a failure can be diagnosed from the test output alone.
"""
import atexit
import os
import re
import shutil
import subprocess
import tempfile
import time

PROFANITY = os.environ.get("PROFANITY", "/usr/bin/profanity")
TMUX = os.environ.get("TMUX_BIN", "/usr/bin/tmux")

# Preferences a person would set once (/logging chat on, /reconnect 1, … then /save); written
# as Profanity's own profrc. No account auto-connects: the test types /connect.
PROFRC = """[logging]
chlog=true
grlog=true

[ui]
splash=false
vercheck=false
beep=false
flash=false
wrap=false
roster=true
history=false
time.console=%H:%M:%S
time.chat=%H:%M:%S
time.muc=%H:%M:%S

[connection]
reconnect=1
autoping=10
receipts.request=false
carbons=true

[chatstates]
enabled=false
outtype=false
gone=0

[notifications]
message=false
room=false
"""


class Profanity:
    """One Profanity process in its own tmux server. Use as a context manager or call close()."""

    def __init__(self, name="profanity", width=240, height=60):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="xmppd-desktop-")
        self.home = os.path.join(self.dir, "home")
        self.config_home = os.path.join(self.dir, "config")
        self.data_home = os.path.join(self.dir, "data")
        for d in (self.home, os.path.join(self.config_home, "profanity"), self.data_home):
            os.makedirs(d, mode=0o700, exist_ok=True)
        with open(os.path.join(self.config_home, "profanity", "profrc"), "w") as f:
            f.write(PROFRC)
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.width, self.height = width, height
        self.started = False
        atexit.register(self.close)

    # --- process -------------------------------------------------------------------------
    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "XDG_"))}
        env.update(HOME=self.home, XDG_CONFIG_HOME=self.config_home, XDG_DATA_HOME=self.data_home,
                   TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        return env

    def _tmux(self, *args, input=None):
        # -f /dev/null: none of the user's tmux.conf; -S: a socket of this instance only.
        return subprocess.run([TMUX, "-f", "/dev/null", "-S", self.socket] + list(args), input=input,
                              env=self._env(), capture_output=True, text=True, timeout=10)

    def start(self):
        for exe, package in ((PROFANITY, "profanity"), (TMUX, "tmux")):
            if not os.access(exe, os.X_OK):
                raise RuntimeError("%s is missing: apt-get install %s (scripts/install-deps.sh test)" % (exe, package))
        r = self._tmux("new-session", "-d", "-s", self.name, "-x", str(self.width), "-y", str(self.height),
                       PROFANITY)
        if r.returncode != 0:
            raise RuntimeError("tmux new-session failed: %s" % r.stderr)
        self.started = True
        # Keep the pane (and its last screen) if Profanity exits, so a crash can be shown.
        self._tmux("set-option", "-t", self.name, "remain-on-exit", "on")
        self.wait_screen(r"\[offline\]|Type /help|Profanity\. Type", timeout=15, describe="Profanity's first screen")
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump()
        self.close()
        return False

    def close(self):
        """Quits Profanity and ends this instance's tmux server (only this one)."""
        if self.started:
            self.started = False
            self._tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- typing --------------------------------------------------------------------------
    def type(self, line, enter=True):
        """Types a line as a user would (literally: -l, so no key names are interpreted)."""
        self._tmux("send-keys", "-t", self.name, "-l", line)
        if enter:
            self._tmux("send-keys", "-t", self.name, "Enter")

    def type_secret(self, secret):
        """Types a secret at a prompt without it ever being an argument of a process."""
        self._tmux("load-buffer", "-b", "secret", "-", input=secret)
        self._tmux("paste-buffer", "-d", "-b", "secret", "-t", self.name)
        self._tmux("send-keys", "-t", self.name, "Enter")

    # --- reading -------------------------------------------------------------------------
    def screen(self):
        """What the user sees now (the visible pane, one string). Profanity's roster panel takes
        the right-hand columns of the same lines, so patterns should not anchor at a line's end."""
        r = self._tmux("capture-pane", "-p", "-t", self.name)
        return r.stdout

    def wait_screen(self, pattern, timeout=15, describe="", absent=False):
        """Waits until the screen matches the regular expression (or, with absent=True, stops
        matching it); returns the match (or the screen). Fails with the screen after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            m = re.search(pattern, text, re.M)
            if (m is not None) != absent:
                return m if m else text
            if time.monotonic() > deadline:
                raise AssertionError("Profanity: %s%r not %s within %s s\n%s" % (
                    (describe + ": ") if describe else "", pattern, "gone" if absent else "on screen", timeout,
                    self.describe_state()))
            time.sleep(0.1)

    def log_text(self):
        """Profanity's own log (its connection events; chat text is not in it)."""
        path = os.path.join(self.data_home, "profanity", "logs", "profanity.log")
        try:
            return open(path, errors="replace").read()
        except OSError:
            return ""

    def chatlog(self, account, contact):
        """The chat log Profanity keeps for `contact` when logged in as `account` (both bare
        JIDs): every day's file concatenated, in Profanity's format (time - who: text)."""
        base = os.path.join(self.data_home, "profanity", "chatlogs", account.replace("@", "_at_"),
                            contact.replace("@", "_at_"))
        if not os.path.isdir(base):
            return ""
        return "".join(open(os.path.join(base, f), errors="replace").read() for f in sorted(os.listdir(base)))

    def wait_chatlog(self, account, contact, pattern, timeout=15, describe=""):
        deadline = time.monotonic() + timeout
        while True:
            text = self.chatlog(account, contact)
            m = re.search(pattern, text, re.M)
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError("Profanity: %s%r not in the chat log with %s within %s s; log:\n%s\n%s" % (
                    (describe + ": ") if describe else "", pattern, contact, timeout, text[-2000:],
                    self.describe_state()))
            time.sleep(0.1)

    def describe_state(self):
        # Profanity 0.13 logs GLib assertions and OMEMO warnings on every login: not the story.
        log = [line for line in self.log_text().splitlines()
               if "OMEMO" not in line and "GLib" not in line and not line.endswith("stderr: ERR: ")]
        return "----- Profanity screen -----\n%s\n----- Profanity log (tail) -----\n%s\n-----" % (
            self.screen().rstrip(), "\n".join(log[-30:]))

    def dump(self):
        import sys
        sys.stderr.write(self.describe_state() + "\n")

    # --- what a user does ----------------------------------------------------------------
    def console(self):
        """Shows the console window (where Profanity reports connections) and clears it, so that
        the next waits see only what happens from now on."""
        self.type("/win 1")
        self.type("/clear")
        self.wait_screen(r"Welcome to Profanity|logged in successfully|Connecting as", absent=True,
                         timeout=5, describe="the console cleared")

    def ask(self, command, pattern, timeout=15, describe="", every=1.0):
        """Types a command in the console (e.g. /who online, /roster) until its answer matches
        the pattern, as a user looks again; returns the match. Each look clears the console
        first, so an old answer never counts."""
        deadline = time.monotonic() + timeout
        while True:
            self.console()
            self.type(command)
            try:
                return self.wait_screen(pattern, timeout=min(every, max(0.1, deadline - time.monotonic())),
                                        describe=describe)
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def connect(self, jid, password, port, tls="force", server="127.0.0.1", trust_prompt="always",
                timeout=20):
        """`/connect JID server S port P tls MODE`, the password at Profanity's prompt; answers
        the self-signed certificate's question with `/tls always` (as the README tells a person
        to) when asked. tls: force (STARTTLS, RFC 6120 §5) or legacy (direct TLS, XEP-0368).
        Returns when Profanity says it is logged in."""
        self.console()
        self.type("/connect %s server %s port %d tls %s" % (jid, server, port, tls))
        self.wait_screen(r"Enter password:", timeout=10, describe="password prompt")
        self.type_secret(password)
        answered = False
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if "Use '/tls always'" in text and trust_prompt and not answered:
                self.type("/tls " + trust_prompt)
                answered = True
            if re.search(r"%s/\S+ logged in successfully" % re.escape(jid), text):
                return
            if re.search(r"Login failed|Connection failed|Connection attempt .* failed", text):
                raise AssertionError("Profanity could not log in\n" + self.describe_state())
            if time.monotonic() > deadline:
                raise AssertionError("Profanity: no login within %s s\n%s" % (timeout, self.describe_state()))
            time.sleep(0.1)
