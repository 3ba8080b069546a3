#!/usr/bin/env node
// npm run build:web: the dashboard (src/web) type-checked with the DOM's types, bundled
// with esbuild (xterm.js, uPlot and its own code, one script and one style sheet named by
// their content's hash), and its page written with those names into dist/web, which the
// management API serves at / (src/api/web.ts). Nothing is fetched at run time.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { build } from "esbuild";

const out = "dist/web";
const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "src/web/tsconfig.json"], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: ["src/web/main.ts"], bundle: true, minify: true, format: "esm", target: ["chrome110", "firefox115", "safari16"],
  outdir: out, entryNames: "[name]-[hash]", metafile: true, legalComments: "eof", logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((f) => f.endsWith(".js")), style = outputs.find((f) => f.endsWith(".css"));
if (!script || !style) throw new Error(`esbuild wrote no script or style sheet: ${outputs.join(", ")}`);
const page = readFileSync("src/web/index.html", "utf8").replace("{{script}}", script).replace("{{style}}", style);
writeFileSync(`${out}/index.html`, page);
console.log(`dashboard: ${out}/index.html, ${script}, ${style}`);
