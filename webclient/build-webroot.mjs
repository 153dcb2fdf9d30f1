// Assembles the public web root ([http] webroot) from webclient/: only the files a browser needs,
// never the sources, lockfiles or node_modules beside them (issue 4: "the built files of
// webclient/"). Run after the widget is built (scripts/build-webroot.sh does both):
//   node webclient/build-webroot.mjs <output dir>
// Layout: demo/ (the demo page, with strophe.js from the widget's lockfile in demo/vendor/),
// site-demo/ (the sample funds page), widget/dist/ (the built loader and bundle only). Every text
// file gets .gz and .br variants beside it (node's zlib: no other tool needed), which xmppd sends
// by Accept-Encoding (xmppd/src/http/static_files.cpp). Uses node's standard library only.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync,
  utimesSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";

const source = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build-webroot.mjs <output dir>");
  process.exit(2);
}

// What is public, as an allow-list: a new file in webclient/ is served only once it is named here
// (by folder and extension), so a stray source or secret is never published by accident.
const pageFiles = /\.(html|css|js|svg|png|jpg|webp|ico|woff2|txt)$/;
const parts = [
  { from: "demo", to: "demo", keep: pageFiles },
  { from: "site-demo", to: "site-demo", keep: pageFiles },
  // The widget's build output (build.mjs): loader.js, bundle-<hash>.js and bundle-xmpp-<hash>.js, not sizes.json.
  { from: "widget/dist", to: "widget/dist", keep: /\.js$/, required: "loader.js" },
  // The demo page's client library, the strophe.js the widget's lockfile pins.
  { from: "widget/node_modules/strophe.js/dist", to: "demo/vendor", keep: /^strophe\.umd\.min\.js$/,
    required: "strophe.umd.min.js" },
];
const compressible = /\.(html|css|js|mjs|json|svg|txt|xml|map|webmanifest)$/;

// Built beside the output and renamed into place, so a server reading the old tree never sees a
// half-written one.
const target = path.resolve(out);
const staging = target + ".new";
rmSync(staging, { recursive: true, force: true });
let published = 0;
for (const part of parts) {
  const from = path.join(source, part.from);
  if (part.required && !existsSync(path.join(from, part.required))) {
    console.error(`build-webroot: ${path.join(part.from, part.required)} is missing: run scripts/build-widget.sh first`);
    process.exit(1);
  }
  const to = path.join(staging, part.to);
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const file = path.join(from, name);
    if (!part.keep.test(name) || name.startsWith(".") || !statSync(file).isFile()) continue;
    const dest = path.join(to, name);
    copyFileSync(file, dest);
    ++published;
    if (!compressible.test(name)) continue;
    const data = readFileSync(dest);
    const variants = {
      gz: gzipSync(data, { level: 9 }),
      br: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
    };
    const mtime = statSync(dest).mtime;
    for (const [ext, bytes] of Object.entries(variants)) {
      // A variant no smaller than the file is not worth a second representation.
      if (bytes.length >= data.length) continue;
      writeFileSync(`${dest}.${ext}`, bytes);
      utimesSync(`${dest}.${ext}`, mtime, mtime);
    }
  }
}
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
console.log(`webroot: ${published} files in ${out}`);
