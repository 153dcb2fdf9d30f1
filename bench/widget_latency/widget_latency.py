#!/usr/bin/python3
"""Issue 7's widget benchmark: the time from the visitor's first keystroke (and from the Enter
that sends) in the chat widget to the message arriving at the consultant's client, median and
p99 over N messages; the long tasks (> 50 ms, the Long Tasks API) on the host page while the
loader and the bundle load and the conversation runs; and the gzipped sizes of the loader and
the bundle.

Real pieces only: xmppd from build/ (SQLite), the widget from webclient/widget/dist served by it,
the customer's page on another origin with a strict CSP (tests/integration/widget_util.py),
Debian's Chromium through playwright-core, and the consultant an xmpp.js client over WebSocket
in its own Node process, which stamps each message's arrival (performance.timeOrigin + now(),
the same clock as the page's). Keys are typed one by one by Playwright (no delay between keys),
so "first keystroke" includes typing the short text.

The first click is measured apart, on its own: over --openings fresh browsers (cold caches, as a
first visit), the long tasks from the click on the chat launcher until the join form is shown
(fetching and evaluating the bundle, the panel's first render), their count and the longest.

Usage (after scripts/build.sh and `npm ci` in tests/web):
  /usr/bin/python3 bench/widget_latency/widget_latency.py [--messages 100] [--openings 10]
"""
import argparse
import gzip
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import widget_util as w  # noqa: E402
import xmppd_harness as h  # noqa: E402
from web_clients import BrowserPage, NodeClient  # noqa: E402

SHADOW = "document.querySelector('[data-xmppd-widget]').shadowRoot"
# Installed before the page's own scripts: long tasks from the first one, and each keydown's time
# (capture phase: keyboard events are composed, so the document sees keys typed in the shadow root).
OBSERVERS = """
window.__xmppdBench = { longTasks: [], keys: [] };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__xmppdBench.longTasks.push([e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });
// Where a long frame's time went (Long Animation Frames: the scripts by source and what ran them,
// and the style and layout at its end), to tell evaluating the bundle from the window's render.
window.__xmppdBench.frames = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__xmppdBench.frames.push({
      start: e.startTime, duration: e.duration,
      render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
      styleLayout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
      scripts: e.scripts.map((s) => [s.sourceURL.split('/').pop(), s.invoker, Math.round(s.duration),
        Math.round(s.forcedStyleAndLayoutDuration)]) });
  }).observe({ type: 'long-animation-frame', buffered: true });
} catch (e) { /* no LoAF in this browser */ }
document.addEventListener('keydown', () => window.__xmppdBench.keys.push(performance.timeOrigin + performance.now()), true);
"""


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def gz_size(path):
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 9))


def first_click(site):
    """A first visit in a fresh browser (nothing cached): the long tasks from the click on the chat
    launcher to the join form shown, as [start, duration] in ms."""
    page = BrowserPage()
    try:
        page.do(init_script=OBSERVERS)
        page.do(goto=site.url("/fundusze/nabory.html"))
        page.do(wait_for=["[data-xmppd-widget][data-available=true]", "attached", 30000])
        clicked = page.do(eval="performance.now()")["value"]
        page.do(click="#launch-chat")
        page.do(wait_for=["#join-form", "visible", 30000])
        # A long task is reported once it has ended; one more frame makes sure the last is in.
        page.do(eval="new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100)))")
        for f in page.do(eval="window.__xmppdBench.frames")["value"]:
            if f["start"] + f["duration"] >= clicked:
                print("  first click: long frame %.0f ms (render %.0f, style+layout %.0f): %s" % (
                    f["duration"], f["render"], f["styleLayout"], f["scripts"]), flush=True)
        return [t for t in page.do(eval="window.__xmppdBench.longTasks")["value"] if t[0] + t[1] >= clicked]
    finally:
        page.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100)
    ap.add_argument("--openings", type=int, default=10)
    args = ap.parse_args()
    dist = w.ensure_built()
    srv, widget_origin, site = w.server(invite_after="600s")
    port = int(widget_origin.rsplit(":", 1)[1])
    page = consultant = None
    with srv as server:
        server.adduser("alice", "alice-Bench-1")
        consultant = NodeClient("xmppjs_client.mjs", {"service": "ws://localhost:%d/xmpp-websocket" % port,
                                                       "domain": h.DOMAIN, "username": "alice",
                                                       "password": "alice-Bench-1", "resource": "desk"})
        try:
            consultant.expect(lambda e: "online" in e, 30, "the consultant online")
            # Initial presence (offers go to the bare JID: RFC 6121 §8.5.2), then to the service.
            consultant.command(presence={})
            consultant.command(presence={"to": "chat." + h.DOMAIN})
            opening_tasks = []
            for _ in range(args.openings):
                opening_tasks.append(first_click(site))
            page = BrowserPage()
            page.do(init_script=OBSERVERS)
            t0 = time.time()
            page.do(goto=site.url("/fundusze/nabory.html"))
            page.do(wait_for=["[data-xmppd-widget][data-available=true]", "attached", 30000])
            page.do(click="#launch-chat")
            page.do(wait_for=["#join-form", "visible", 30000])
            page.do(fill=["#topic", "Pomiar opóźnienia"])
            page.do(click="#join-ack")
            page.do(click="#join-form button[type=submit]")
            page.do(wait_for=["#message", "visible", 30000])
            offer = consultant.expect(lambda e: "message" in e and "c-" in (e["message"]["body"] or ""), 30, "the offer")
            room = re.search(r"(c-[0-9a-f]+@chat\.[^ ]+?) ", offer["message"]["body"]).group(1)
            consultant.command(presence={"to": room + "/Anna", "muc": True})
            page.do(locator_text=["#log li", "Anna", 30000])
            page.do(wait_for=["#message", "visible", 30000])
            first, enter = [], []
            for i in range(args.messages):
                text = "Pytanie numer %03d" % i
                page.do(eval="window.__xmppdBench.keys.length = 0")
                page.do(click="#message")
                page.do(type=text)
                page.do(press="Enter")
                got = consultant.expect(lambda e: "message" in e and e["message"]["body"] == text, 30,
                                        "message %d at the consultant" % i)
                keys = page.do(eval="window.__xmppdBench.keys.slice()")["value"]
                at = got["at"]
                first.append(at - keys[0])
                enter.append(at - keys[-1])
            tasks = page.do(eval="window.__xmppdBench.longTasks")["value"]
            # When the loader and the bundle arrived (ms from navigation), to place the long tasks.
            loads = page.do(eval="performance.getEntriesByType('resource').filter(e => /loader|bundle-/.test(e.name))"
                                 ".map(e => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.responseEnd)])")["value"]
            took = time.time() - t0
        finally:
            if page:
                page.close()
            if consultant:
                consultant.close()
    loader = gz_size(os.path.join(dist, "loader.js"))
    bundle = sum(gz_size(os.path.join(dist, f)) for f in os.listdir(dist) if re.match(r"bundle-.*\.js$", f))
    print("widget benchmark: %d messages in %.1f s (load average %s)" % (
        args.messages, took, " ".join("%.2f" % x for x in os.getloadavg())))
    print("%-34s %9s %9s %9s" % ("", "median", "p99", "max"))
    for name, v in (("first keystroke -> consultant (ms)", first), ("Enter -> consultant (ms)", enter)):
        print("%-34s %9.1f %9.1f %9.1f" % (name, statistics.median(v), pct(v, 99), max(v)))
    longest = [max([d for _, d in ts] or [0]) for ts in opening_tasks]
    print("first click -> join form shown, %d fresh browsers: %d long tasks in all, longest %.0f ms "
          "(per opening: %s)" % (len(opening_tasks), sum(len(ts) for ts in opening_tasks), max(longest or [0]),
                                 " ".join("%.0f" % x for x in longest)))
    print("long tasks on the host page: %d (total %.0f ms, longest %.0f ms)" % (
        len(tasks), sum(d for _, d in tasks), max([d for _, d in tasks] or [0])))
    for start, duration in tasks:
        print("  long task at %.0f ms for %.0f ms" % (start, duration))
    for name, start, end in loads:
        print("  %s fetched %d-%d ms" % (name, start, end))
    print("gzipped: loader %d B, bundle %d B" % (loader, bundle))


if __name__ == "__main__":
    main()
