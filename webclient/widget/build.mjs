// Builds the widget with esbuild into dist/ (gitignored; served by xmppd's [http] webroot as
// /widget/dist/): the bundle under a content-hashed name (cached for a year by the server), then
// the loader, which gets that name compiled in. Each file gets .gz and .br variants beside it,
// which the server sends when the browser accepts them. Prints the gzipped sizes.
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
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

const bundle = await build({
  ...common,
  entryPoints: { "bundle-[hash]": "src/bundle.js" },
  entryNames: "bundle-[hash]",
  outdir: dist,
  metafile: true,
  // No global names (issue 7): strophe.js's globalThis assignments land in a module object.
  define: { globalThis: "stropheScope" },
  inject: ["src/strophe-scope.js"],
});
const bundleName = Object.keys(bundle.metafile.outputs).map((p) => path.basename(p)).find((n) => n.endsWith(".js"));
await build({
  ...common,
  entryPoints: ["src/loader.js"],
  outfile: path.join(dist, "loader.js"),
  define: { BUNDLE_NAME: JSON.stringify(bundleName) },
});

const sizes = {};
for (const name of readdirSync(dist)) {
  if (!name.endsWith(".js")) continue;
  const data = readFileSync(path.join(dist, name));
  const gz = gzipSync(data, { level: 9 });
  writeFileSync(path.join(dist, name + ".gz"), gz);
  writeFileSync(path.join(dist, name + ".br"),
    brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  sizes[name.startsWith("bundle-") ? "bundle" : "loader"] = { file: name, bytes: data.length, gzip: gz.length };
}
// The sizes for tests/integration/59-widget-a11y-size.py and the benchmark notes.
writeFileSync(path.join(dist, "sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
console.log(`widget: loader ${sizes.loader.gzip} B gzipped, bundle ${sizes.bundle.gzip} B gzipped`);
