import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ApiError } from "./errors.js";
import { CSP, isWebPath, webFile } from "./web.js";

const dir = `${mkdtempSync(join(tmpdir(), "bulkhead-webdir-"))}/`;
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(`${dir}index.html`, "<!doctype html><title>x</title>");
writeFileSync(`${dir}main-ABC123.js`, "console.log(1)");
writeFileSync(`${dir}main-ABC123.css`, "body{}");
writeFileSync(`${dir}notes.txt`, "not served");

const kindOf = async (p: Promise<unknown>): Promise<unknown> => {
  try { await p; } catch (e) { assert.ok(e instanceof ApiError, String(e)); return e.info; }
  assert.fail("no error");
};

test("the page revalidates, the hashed bundle files are cached for good; every file has its type, the CSP and nosniff", async () => {
  const page = await webFile("GET", "/", dir);
  assert.equal(page.body.toString(), "<!doctype html><title>x</title>");
  assert.equal(page.headers["Content-Type"], "text/html; charset=utf-8");
  assert.equal(page.headers["Cache-Control"], "no-cache");
  const js = await webFile("GET", "/web/main-ABC123.js", dir);
  assert.equal(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  assert.equal(js.headers["Cache-Control"], "public, max-age=31536000, immutable");
  assert.equal((await webFile("GET", "/web/main-ABC123.css", dir)).headers["Content-Type"], "text/css; charset=utf-8");
  for (const f of [page, js]) {
    assert.equal(f.headers["Content-Security-Policy"], CSP);
    assert.equal(f.headers["X-Content-Type-Options"], "nosniff");
    assert.equal(f.headers["Content-Length"], String(f.body.length));
  }
  assert.match(CSP, /script-src 'self';/);
  assert.match(CSP, /frame-ancestors 'none'/);
  assert.doesNotMatch(CSP, /script-src[^;]*unsafe/);
});

test("nothing else is served: other names, paths out of the directory, other methods; an unbuilt dashboard says how to build it", async () => {
  for (const path of ["/web/", "/web/missing.js", "/web/notes.txt", "/web/index.html", "/web/../index.html", "/web/%2e%2e%2fpackage.json", "/web/sub/main-ABC123.js"]) {
    assert.deepEqual(await kindOf(webFile("GET", path, dir)), { kind: "NoRoute", path }, path);
  }
  assert.deepEqual(await kindOf(webFile("POST", "/", dir)), { kind: "MethodNotAllowed", method: "POST", path: "/", allowed: ["GET"] });
  const empty = `${mkdtempSync(join(tmpdir(), "bulkhead-webdir-"))}/`;
  after(() => rmSync(empty, { recursive: true, force: true }));
  const e = await webFile("GET", "/", empty).catch((x: unknown) => x);
  assert.ok(e instanceof ApiError);
  assert.equal(e.message, `the dashboard is not built (no ${empty}index.html): run npm run build`);
  assert.equal(isWebPath("/"), true);
  assert.equal(isWebPath("/web/x.js"), true);
  assert.equal(isWebPath("/v1/vms"), false);
  assert.equal(isWebPath("/webx"), false);
});
