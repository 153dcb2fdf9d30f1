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
// Page console messages and errors are printed as {"console": ...} / {"pageerror": ...}.
//   argv[2]: {"chromium"?: "/usr/bin/chromium", "args"?: [...], "block_websocket"?: false}
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
const page = await context.newPage();
page.on("console", (m) => out({ console: `${m.type()}: ${m.text()}` }));
page.on("pageerror", (e) => out({ pageerror: String(e) }));
if (opts.block_websocket) {
  // A network that lets HTTP through but not WebSocket (a proxy that refuses the Upgrade).
  await page.routeWebSocket(/.*/, (ws) => ws.close({ code: 1006, reason: "blocked" }));
}

async function run(cmd) {
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
