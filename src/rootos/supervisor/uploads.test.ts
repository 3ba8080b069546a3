import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { RootosError } from "./errors.js";
import { safeName, Upload, UploadStore } from "./uploads.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-uploads-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const up = (name: string, n = 4) => new Upload(new Uint8Array(n).fill(7), name);
const why = (e: unknown) => e instanceof RootosError && e.info.kind === "BadArgument" ? `${e.info.argument}: ${e.info.why}` : String(e);

test("names: the last component, only letters, digits, '.', '_', '-', no leading dot, at most 64", () => {
  assert.equal(safeName("../../etc/passwd"), "passwd");
  assert.equal(safeName("C:\\x\\my kernel;v2.elf"), "my_kernel_v2.elf");
  assert.equal(safeName("..."), "image");
  assert.equal(safeName(".hidden"), "hidden");
  assert.equal(safeName("a\u0000b\nc"), "a_b_c");
  assert.equal(safeName("x".repeat(100)).length, 64);
});

test("stage: each upload at a boot key (top or under boot) written afresh and named; discard removes them, keep until close", async () => {
  const store = new UploadStore(join(dir, "a"));
  const spec = { name: "v", cores: 1, kernel: up("../Image"), boot: { initrd: up("initrd.gz", 8), append: "console=ttyS0" } };
  const s = await store.stage("v/../x", spec);
  const [home] = readdirSync(join(dir, "a"));
  assert.match(home!, /^x-[A-Za-z0-9]{6}$/, "the VM's name is only a name too");
  assert.equal(s.spec.kernel, join(dir, "a", home!, "kernel-Image"));
  assert.deepEqual(s.spec.boot, { initrd: join(dir, "a", home!, "initrd-initrd.gz"), append: "console=ttyS0" });
  assert.deepEqual([...readFileSync(s.spec.kernel as string)], [7, 7, 7, 7]);
  assert.ok(spec.kernel instanceof Upload, "the caller's spec is not changed");
  await s.discard();
  assert.deepEqual(readdirSync(join(dir, "a")), []);

  const kept = await store.stage("w", { kernel: up("k") });
  kept.keep();
  assert.equal(readdirSync(join(dir, "a")).length, 1);
  await store.close();
  assert.deepEqual(readdirSync(join(dir, "a")), []);
  const none = { kernel: "/boot/Image" };
  assert.equal((await store.stage("n", none)).spec, none, "no upload: nothing written");
});

test("refused before anything is written: an upload at another key, an empty or too big one, a store without a directory", async () => {
  const store = new UploadStore(join(dir, "b"), 16);
  await assert.rejects(store.stage("v", { os: up("x") }), (e) => /^os=@x: only a boot image can be uploaded/.test(why(e)));
  await assert.rejects(store.stage("v", { kernel: up("k"), devices: [{ virtio: "share", path: up("p") }] }), (e) => /^devices\.0\.path=@p: only a boot image/.test(why(e)));
  await assert.rejects(store.stage("v", { kernel: up("k"), boot: { kernel: up("k") } }), (e) => /^kernel=@k: kernel is given twice/.test(why(e)));
  await assert.rejects(store.stage("v", { kernel: up("k", 0) }), (e) => /^kernel=@k: the file is empty/.test(why(e)));
  await assert.rejects(store.stage("v", { kernel: up("k", 17) }), (e) => /^kernel=@k: 17 bytes, more than the 16 a boot image may have/.test(why(e)));
  await assert.rejects(new UploadStore(undefined).stage("v", { kernel: up("k") }), (e) => /keeps no uploads/.test(why(e)));
  writeFileSync(join(dir, "file"), "");
  await assert.rejects(new UploadStore(join(dir, "file", "uploads")).stage("v", { kernel: up("k") }),
    (e) => e instanceof RootosError && /^create: refused, nothing changed: the uploads cannot be kept in .*file\/uploads: a part of the path is not a directory/.test(e.message));
  assert.throws(() => readdirSync(join(dir, "b")), /ENOENT/);
  assert.equal(JSON.stringify({ kernel: up("Image", 9) }), '{"kernel":"@Image (9 bytes)"}', "the event log writes a name, not the bytes");
});
