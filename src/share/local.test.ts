import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { LocalShare } from "./local.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bulkhead-share-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const code = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (e) { return (e as NodeJS.ErrnoException).code; }
  return undefined;
};

describe("LocalShare", () => {
  const root = path.join(tmp, "root"), outside = path.join(tmp, "outside");
  fs.mkdirSync(path.join(root, "d"), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "f"), "outside");
  fs.symlinkSync(outside, path.join(root, "d", "up"));
  const share = LocalShare.open(root);
  const rw = { read: true, write: true, truncate: false, append: false, sync: false };

  test("open refuses a missing directory and a file, naming them", () => {
    assert.throws(() => LocalShare.open(path.join(tmp, "missing")), /share directory .*missing: .*ENOENT/);
    fs.writeFileSync(path.join(tmp, "plain"), "");
    assert.throws(() => LocalShare.open(path.join(tmp, "plain")), /plain: not a directory/);
  });

  test("no component of a path follows a symlink, wherever it is", () => {
    const modeBefore = fs.statSync(outside).mode;
    assert.equal(Number(share.stat(["d", "up"]).mode) & 0o170000, 0o120000, "the link itself");
    assert.equal(code(() => share.stat(["d", "up", "f"])), "ENOTDIR");
    assert.equal(code(() => share.open(["d", "up", "f"], rw)), "ENOTDIR");
    assert.equal(code(() => share.open(["d", "up"], rw)), "ELOOP");
    assert.equal(code(() => share.create(["d", "up"], "new", rw, 0o644)), "ENOTDIR");
    assert.equal(code(() => share.mkdir(["d", "up"], "new", 0o755)), "ENOTDIR");
    assert.equal(code(() => share.unlink(["d", "up"], "f", false)), "ENOTDIR");
    assert.equal(code(() => share.rename(["d", "up"], "f", [], "stolen")), "ENOTDIR");
    assert.equal(code(() => share.link(["d", "up", "f"], [], "stolen")), "ENOTDIR");
    assert.equal(code(() => share.setattr(["d", "up"], { mode: 0o777 })), "EOPNOTSUPP", "a link's target keeps its mode");
    assert.equal(code(() => share.create(["d"], "up", rw, 0o644)), "EEXIST", "create never opens through an existing link");
    assert.deepEqual(fs.readdirSync(outside), ["f"]);
    assert.equal(fs.statSync(outside).mode, modeBefore);
  });

  test("a name is a name in its directory: a link is linked, renamed and removed as itself", () => {
    share.link(["d", "up"], [], "up2");
    assert.equal(share.readlink(["up2"]), outside);
    share.rename([], "up2", ["d"], "up3");
    share.unlink(["d"], "up3", false);
    assert.deepEqual(fs.readdirSync(path.join(root, "d")), ["up"]);
    assert.equal(fs.readFileSync(path.join(outside, "f"), "utf8"), "outside");
  });
});
