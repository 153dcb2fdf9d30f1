// Builds the widget with esbuild into dist/ (gitignored; served by xmppd's [http] webroot as
// /widget/dist/): the bundle under a content-hashed name (cached for a year by the server), then
// the loader, which gets that name compiled in. Each file gets .gz and .br variants beside it,
// which the server sends when the browser accepts them. Prints the gzipped sizes.
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import path from "node:path";

const dist = "dist";
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  loader: { ".css": "text" },
  legalComments: "none",
  logLevel: "warning",
};

// The bundle in two files, each evaluated in a task of its own (issue 7: no long task on the
// host page): the panel (bundle-<hash>.js) and strophe.js with xmpp.js (bundle-xmpp-<hash>.js).
await build({
  ...common,
  entryPoints: { bundle: "src/bundle.js", "bundle-xmpp": "src/xmpp-bundle.js" },
  entryNames: "[name]",
  outdir: dist,
  // No global names (issue 7): strophe.js's globalThis assignments land in a module object.
  define: { globalThis: "stropheScope" },
  inject: ["src/strophe-scope.js"],
});
// Content-hashed names, with a hex SHA-256 prefix rather than esbuild's base32 [hash]: the server
// takes a name part for a hash (immutable, cached a year) only when it has a digit, which an
// all-letter base32 hash lacks now and then.
function hashed(name) {
  const data = readFileSync(path.join(dist, name + ".js"));
  const named = `${name}-${createHash("sha256").update(data).digest("hex").slice(0, 16)}.js`;
  renameSync(path.join(dist, name + ".js"), path.join(dist, named));
  return named;
}
const panelName = hashed("bundle");
const xmppName = hashed("bundle-xmpp");
await build({
  ...common,
  entryPoints: ["src/loader.js"],
  outfile: path.join(dist, "loader.js"),
  define: { BUNDLE_NAME: JSON.stringify(panelName), XMPP_BUNDLE_NAME: JSON.stringify(xmppName) },
});

const sizes = { loader: null, bundle: { files: [], bytes: 0, gzip: 0 } };
for (const name of readdirSync(dist).sort()) {
  if (!name.endsWith(".js")) continue;
  const data = readFileSync(path.join(dist, name));
  const gz = gzipSync(data, { level: 9 });
  writeFileSync(path.join(dist, name + ".gz"), gz);
  writeFileSync(path.join(dist, name + ".br"),
    brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  const entry = { file: name, bytes: data.length, gzip: gz.length };
  if (name === "loader.js") {
    sizes.loader = entry;
  } else {
    // The 60 KiB budget is for the bundle's files together.
    sizes.bundle.files.push(entry);
    sizes.bundle.bytes += data.length;
    sizes.bundle.gzip += gz.length;
  }
}
// The sizes for tests/integration/59-widget-a11y-size.py and the benchmark notes.
writeFileSync(path.join(dist, "sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
console.log(`widget: loader ${sizes.loader.gzip} B gzipped, bundle ${sizes.bundle.gzip} B gzipped (` +
  sizes.bundle.files.map((f) => `${f.file} ${f.gzip} B`).join(", ") + ")");
