# The widget's accessibility and weight (webclient/widget, issue 7), in headless Chromium on the
# customer's page (another origin, strict CSP):
# - the gzipped loader (every page) is at most 8 KiB and the bundle's two files together at most
#   60 KiB, as the server sends them (its pre-compressed .gz variants);
# - axe-core (npm) finds no serious or critical WCAG 2.1 violation in any state: launchers,
#   invitation, join form with errors, conversation, offline form, callback form;
# - keyboard only: Tab reaches the launchers after the page's own links, Enter opens the window
#   with focus on its first field, Tab walks every field of each form in order, Space ticks the
#   acknowledgement, Enter sends, Esc closes the window (focus back on its launcher) and the
#   invitation (which never takes focus itself);
# - screenshots of each state at desktop (1280×800) and phone (360×740) sizes go under the build
#   folder (build/widget-screenshots/), never committed; at 360 px nothing is wider than the screen.
import glob
import http.client
import os

import livechat_util as lc
import muc_util as m
import widget_util as w
import xmppd_harness as h
from xmpp_clients import run

LOADER_BUDGET = 8 * 1024
BUNDLE_BUDGET = 60 * 1024
SHADOW = "document.querySelector('[data-xmppd-widget]').shadowRoot"


def gzipped_size(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": "localhost:%d" % port, "Accept-Encoding": "gzip"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.status == 200 and r.getheader("Content-Encoding") == "gzip", (path, r.status, r.getheaders())
    return len(body)


def no_violations(page, state):
    found = page.do(axe=w.AXE, timeout=60)["value"]
    assert found == [], "axe in state %s: %s" % (state, found)


def both_sizes(page, state):
    """Screenshots at desktop and phone width; at 360 px the window fits the screen."""
    page.do(viewport=[1280, 800])
    w.shot(page, state + "-desktop")
    page.do(viewport=[360, 740])
    w.shot(page, state + "-phone")
    width = page.do(eval="Math.ceil(" + SHADOW + ".querySelector('.root').getBoundingClientRect().right)")["value"]
    assert width <= 360, "%s: the widget is %s px wide on a 360 px screen" % (state, width)
    page.do(viewport=[1280, 800])


def focused(page):
    return page.do(focused=True)["value"]


def tab_order(page, ids):
    """Tab moves through `ids` in this order (each the very next stop)."""
    for want in ids:
        page.do(press="Tab")
        got = focused(page)
        assert got == want, "Tab: expected %s, focus is on %s" % (want, got)


def test():
    with w.running(queues=(w.OFFLINE_QUEUE,), extra=w.ALWAYS_OPEN, invite_after="1s") \
            as (server, widget_origin, site, open_page):
        port = int(widget_origin.rsplit(":", 1)[1])
        password = "alice-Pass-1"
        server.adduser("alice", password)
        server.adduser("bob", "bob-Pass-1")  # receives the queue's tickets and callbacks

        # The budgets, as served.
        # The bundle is two files (the panel, strophe.js with xmpp.js), evaluated in two tasks;
        # the budget is for both together.
        bundles = sorted(os.path.basename(p) for p in glob.glob(os.path.join(w.DIST, "bundle-*.js")))
        assert len(bundles) == 2 and any(b.startswith("bundle-xmpp-") for b in bundles), bundles
        loader_gz = gzipped_size(port, "/widget/dist/loader.js")
        bundle_gz = sum(gzipped_size(port, "/widget/dist/" + b) for b in bundles)
        print("sizes: loader %d B gzipped, bundle %d B gzipped (%s)" % (loader_gz, bundle_gz, ", ".join(bundles)))
        assert loader_gz <= LOADER_BUDGET, loader_gz
        assert bundle_gz <= BUNDLE_BUDGET, bundle_gz

        page = open_page()
        page.do(goto=site.url("/fundusze/"))
        page.do(wait_for=["[data-xmppd-widget][data-available=false]", "attached", 20000])
        no_violations(page, "launchers")
        both_sizes(page, "launchers")

        # Keyboard: past the page's own link to the launchers; Enter opens the offline form
        # (nobody available) with focus on its first field; Tab walks it in order.
        page.do(press="Tab")
        assert focused(page) == "page-link"
        tab_order(page, ["launch-chat", "launch-call"])
        page.do(press="Shift+Tab")
        page.do(press="Enter")
        page.do(wait_for=["#offline-form", "visible", 20000])
        assert focused(page) == "off-name"
        tab_order(page, ["off-email", "off-question", "off-notice", "off-ack"])
        page.do(press="Space")
        assert page.do(eval=SHADOW + ".querySelector('#off-ack').checked")["value"] is True
        page.do(press="Tab")
        assert focused(page) == "button"  # the submit button
        page.do(press="Enter")  # e-mail and question missing: the errors, focus on the first
        page.do(locator_text=[".summary", "Popraw", 10000])
        assert focused(page) == "off-email"
        no_violations(page, "offline-form-errors")
        both_sizes(page, "offline-form-errors")
        page.do(press="Escape")
        page.do(wait_for=["#panel", "hidden", 10000])
        assert focused(page) == "launch-chat", "focus goes back to the launcher"

        # The callback form by keyboard.
        page.do(press="Tab")
        assert focused(page) == "launch-call"
        page.do(press="Enter")
        page.do(wait_for=["#call-form", "visible", 20000])
        assert focused(page) == "call-name"
        tab_order(page, ["call-phone", "call-slot", "call-topic", "call-notice", "call-ack"])
        page.do(press="Tab")
        page.do(press="Enter")
        page.do(locator_text=["#call-phone-err", "wymagane", 10000])
        assert focused(page) == "call-phone"
        no_violations(page, "callback-form-errors")
        both_sizes(page, "callback-form-errors")
        page.do(press="Escape")
        page.do(wait_for=["#panel", "hidden", 10000])

        # A consultant available: the invitation, not focused; Esc closes it for this page.
        alice = run(lc.consultant(server, "alice", password, new=False))
        page.do(goto=site.url("/fundusze/"))
        page.do(wait_for=["#invite", "visible", 20000])
        assert focused(page) == "body"
        no_violations(page, "invitation")
        both_sizes(page, "invitation")
        page.do(press="Escape")
        page.do(wait_for=["#invite", "hidden", 10000])

        # The join form and the conversation, by keyboard only.
        page.do(press="Tab")
        tab_order(page, ["launch-chat"])
        page.do(press="Enter")
        page.do(wait_for=["#join-form", "visible", 20000])
        assert focused(page) == "topic"
        page.do(type="Nabór dla organizacji pozarządowych")
        tab_order(page, ["name", "join-email", "join-notice", "join-ack"])
        page.do(press="Space")
        page.do(press="Tab")
        page.do(press="Enter")
        page.do(wait_for=["#message", "visible", 20000])
        assert focused(page) == "message"
        room, _ = run(lc.offer(alice, timeout=20))
        run(m.join(alice, room, "Anna"))
        lc.say(alice, room, "Dzień dobry, w czym mogę pomóc?")
        run(alice.sync())
        page.do(locator_text=["#log li", "w czym mogę pomóc", 20000])
        page.do(type="Dziękuję, mam pytanie o nabór.")
        page.do(press="Enter")
        run(lc.room_message(alice, room, "Dziękuję, mam pytanie o nabór."))
        assert page.do(eval=SHADOW + ".querySelector('#log').getAttribute('aria-live')")["value"] == "polite"
        no_violations(page, "conversation")
        both_sizes(page, "conversation")
        # Ending by keyboard: "End chat" asks first (focus on "No"), then the rating form.
        tab_order(page, ["send", "file", "end"])
        page.do(press="Enter")
        page.do(wait_for=["#end-ask", "visible", 10000])
        assert focused(page) == "end-no"
        page.do(press="Shift+Tab")
        assert focused(page) == "end-yes"
        page.do(press="Enter")
        page.do(wait_for=["#rate-form", "visible", 20000])
        assert focused(page) == "rate-1"
        no_violations(page, "feedback")
        both_sizes(page, "feedback")
        page.do(press="Escape")
        page.do(wait_for=["#panel", "hidden", 10000])
        assert focused(page) == "launch-chat"
        run(alice.close())
        assert server.alive()


if __name__ == "__main__":
    h.main(test, modules=("livechat", "muc"))
