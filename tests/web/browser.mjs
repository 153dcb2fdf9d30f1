// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the browser
// scenarios: one page, commands as JSON lines on stdin, one JSON event per line on stdout
// (web_clients.py NodeClient). Commands, each answered with {"done": <id>, ...} or
// {"failed": <id>, "error": "..."}:
//   {"id": 1, "goto": "http://localhost:5280/demo/"}
//   {"id": 2, "fill": ["#jid", "alice@localhost"]}     {"id": 3, "click": "#connect"}
//   {"id": 4, "wait_text": ["#status", "connected as", 15000]}  -> {"text": "..."}
//   {"id": 5, "files": ["#file", "/path/to/file"]}
//   {"id": 6, "text": "#messages"}                      -> {"text": "..."}
//   {"stop": true}
// For the widget scenarios (56-59; Playwright's CSS selectors reach into open shadow roots):
//   {"id": 7, "wait_for": ["#invite", "visible", 15000]}    (state: attached|detached|visible|hidden)
//   {"id": 8, "locator_text": ["#log li", "Dzień dobry", 15000]}  -> {"text": "..."} (first match)
//   {"id": 9, "press": "Tab"}    {"id": 10, "type": "text typed key by key"}
//   {"id": 11, "focused": true}  -> {"value": "<id or tag of the focused element, through shadow roots>"}
//   {"id": 12, "eval": "document.title"}  -> {"value": ...}  (an expression, awaited)
//   {"id": 13, "axe": "<path of axe.min.js>"} -> {"value": [violations of impact serious/critical]}
//   {"id": 14, "viewport": [360, 740]}  {"id": 15, "screenshot": "/path.png"}
//   {"id": 16, "new_page": true} -> {"page": n}: a second tab of the same browser profile;
//   "page": n on any command picks the tab (0 is the first).
//   {"id": 17, "init_script": "<js>"}: a script every page runs first from the next navigation on.
// Page console messages and errors are printed as {"console": ...} / {"pageerror": ...}.
//   {"id": 18, "websockets": "drop"}: with "route_websocket", the network fails under the page's
//   WebSockets: each open one closes on both sides (1006 to the page; a WebSocket close to the
//   server, as the browser's own connection under Playwright's route), and new ones are refused until {"websockets": "up"} (XEP-0198 resumption tests).
//   argv[2]: {"chromium"?: "/usr/bin/chromium", "args"?: [...], "block_websocket"?: false,
//             "route_websocket"?: false}
import { chromium } from "playwright-core";
import readline from "node:readline";

const opts = JSON.parse(process.argv[2] || "{}");
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const browser = await chromium.launch({
  executablePath: opts.chromium || process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // Root in a container has no user namespace for Chromium's sandbox.
  args: ["--no-sandbox", "--disable-dev-shm-usage", ...(opts.args || [])],
});
const context = await browser.newContext();
const pages = [];
async function openPage() {
  const p = await context.newPage();
  const n = pages.length;
  p.on("console", (m) => out({ console: `${n}: ${m.type()}: ${m.text()}` }));
  p.on("pageerror", (e) => out({ pageerror: `${n}: ${String(e)}` }));
  if (opts.block_websocket) {
    // A network that lets HTTP through but not WebSocket (a proxy that refuses the Upgrade).
    await p.routeWebSocket(/.*/, (ws) => ws.close({ code: 1006, reason: "blocked" }));
  }
  if (opts.route_websocket) {
    // Every WebSocket through Playwright, so that a test can cut it (the "websockets" command).
    await p.routeWebSocket(/.*/, (ws) => {
      if (websocketsDown) return ws.close({ code: 1006, reason: "offline" });
      const server = ws.connectToServer();
      const pair = { ws, server };
      openSockets.add(pair);
      ws.onClose(() => openSockets.delete(pair));
    });
  }
  pages.push(p);
  return p;
}
let websocketsDown = false;
const openSockets = new Set();
await openPage();

async function run(cmd) {
  const page = pages[cmd.page || 0];
  if (cmd.new_page) {
    await openPage();
    return { page: pages.length - 1 };
  }
  if (cmd.init_script) {
    // Runs in every page before its own scripts from the next navigation on (benchmarks install
    // their observers with it, e.g. bench/widget_latency's long-task observer).
    await context.addInitScript(cmd.init_script);
    return {};
  }
  if (cmd.websockets) {
    websocketsDown = cmd.websockets === "drop";
    if (websocketsDown) {
      const cut = [...openSockets];
      openSockets.clear();
      for (const { ws, server } of cut) {
        // The page's WebSocket API takes 1000 (the default) or 3000-4999 only: another code
        // would throw there and leave the server's side open.
        await server.close().catch(() => {});
        await ws.close({ code: 1006, reason: "network" }).catch(() => {});
      }
      return { dropped: cut.length };
    }
    return {};
  }
  if (cmd.wait_for) {
    const [selector, state, timeout] = cmd.wait_for;
    await page.waitForSelector(selector, { state, timeout: timeout || 15000 });
    return {};
  }
  if (cmd.locator_text) {
    const [selector, text, timeout] = cmd.locator_text;
    const l = page.locator(selector).filter({ hasText: text }).first();
    await l.waitFor({ timeout: timeout || 15000 });
    return { text: await l.textContent() };
  }
  if (cmd.press) {
    await page.keyboard.press(cmd.press);
    return {};
  }
  if (cmd.type) {
    await page.keyboard.type(cmd.type);
    return {};
  }
  if (cmd.focused) {
    return { value: await page.evaluate(() => {
      let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      return a ? a.id || a.tagName.toLowerCase() : null;
    }) };
  }
  if (cmd.eval) return { value: await page.evaluate(`(async () => (${cmd.eval}))()`) };
  if (cmd.axe) {
    const fs = await import("node:fs");
    await page.evaluate(fs.readFileSync(cmd.axe, "utf8"));
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    return { value: result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) })) };
  }
  if (cmd.viewport) {
    await page.setViewportSize({ width: cmd.viewport[0], height: cmd.viewport[1] });
    return {};
  }
  if (cmd.screenshot) {
    await page.screenshot({ path: cmd.screenshot, fullPage: false });
    return {};
  }
  if (cmd.goto) {
    const res = await page.goto(cmd.goto, { waitUntil: "load" });
    return { status: res ? res.status() : null };
  }
  if (cmd.fill) {
    await page.fill(cmd.fill[0], cmd.fill[1]);
    return {};
  }
  if (cmd.click) {
    await page.click(cmd.click);
    return {};
  }
  if (cmd.files) {
    await page.setInputFiles(cmd.files[0], cmd.files[1]);
    return {};
  }
  if (cmd.wait_text) {
    const [selector, text, timeout] = cmd.wait_text;
    await page.waitForFunction(
      ([s, t]) => { const e = document.querySelector(s); return e && e.textContent.includes(t); },
      [selector, text], { timeout: timeout || 15000 });
    return { text: await page.textContent(selector) };
  }
  if (cmd.text) return { text: await page.textContent(cmd.text) };
  if (cmd.attribute) return { value: await page.getAttribute(cmd.attribute[0], cmd.attribute[1]) };
  throw new Error("unknown command " + JSON.stringify(cmd));
}

out({ ready: browser.version() });
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  if (cmd.stop) break;
  try {
    out({ done: cmd.id, ...(await run(cmd)) });
  } catch (e) {
    out({ failed: cmd.id, error: String(e.message || e) });
  }
}
await browser.close();
process.exit(0);
