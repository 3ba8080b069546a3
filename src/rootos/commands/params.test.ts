import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RootosError } from "../supervisor/errors.js";
import { Upload } from "../supervisor/uploads.js";
import { command, route, usageOf } from "./command.js";
import { choice, count, device, fields, ParamError, parseU64, size, u64, vm } from "./params.js";
import { argsFromWords } from "./words.js";

test("u64: hex, octal, binary, decimal and _ separators as a bigint, exact past 2^53; above 2^64-1 refused", () => {
  assert.equal(parseU64("0xffff_ffff_ffff_ffff"), (1n << 64n) - 1n);
  assert.equal(parseU64("9007199254740993"), 9007199254740993n, "2^53+1: not rounded through a number");
  assert.deepEqual(["0x8020_0000", "0o17", "0b101", "42"].map(parseU64), [0x8020_0000n, 15n, 5n, 42n]);
  assert.throws(() => parseU64("0x1_0000_0000_0000_0000"), (e: unknown) => e instanceof ParamError && e.why === "does not fit in 64 bits");
  for (const bad of ["-1", "0x", "12abc", "1.5", ""]) assert.throws(() => parseU64(bad), ParamError, bad);
  const addr = u64("an address");
  assert.equal(addr.fromJson("0x80200000"), 0x80200000n);
  assert.equal(addr.fromJson(4096), 4096n);
});

test("size: bytes, or with a unit; a number in JSON", () => {
  const s = size("a length");
  assert.deepEqual([["4096"], ["64K"], ["16M"], ["1.5G"]].map((w) => s.fromWords(w)), [4096, 65536, 16 << 20, 1.5 * 2 ** 30]);
  assert.equal(s.fromJson(512), 512);
  assert.throws(() => s.fromWords(["lots"]), /not a size/);
});

test("words: flags anywhere, an optional choice by its word, rest words, arity; every error a BadArgument naming the parameter", async () => {
  const c = command({
    name: "probe", help: "", routes: [route("GET /probe")],
    params: { vm: vm("", { optional: true }), kind: choice(["a", "b"] as const, "a kind", "the kinds", "", { optional: true, metavar: "KIND" }), n: count("a number of things", "", { optional: true, flag: "-n" }) },
    run: async () => ({ data: null, text: "" }),
  });
  assert.equal(usageOf(c), "probe [VM] [KIND] [-n N]");
  assert.deepEqual(await argsFromWords(c, ["b"]), { kind: "b" });
  assert.deepEqual(await argsFromWords(c, ["-n", "3", "x", "a"]), { vm: "x", kind: "a", n: 3 });
  assert.deepEqual(await argsFromWords(c, ["a", "x"]), { vm: "x", kind: "a" });
  const why = async (words: string[]) => {
    try { await argsFromWords(c, words); } catch (e) { assert.ok(e instanceof RootosError && e.info.kind === "BadArgument"); return [e.message, e.info.param]; }
    assert.fail("no error");
  };
  assert.deepEqual(await why(["x", "c"]), ["probe: c: not a kind (the kinds are: a, b)", "kind"]);
  assert.deepEqual(await why(["-n", "x"]), ["probe: x: not a number of things", "n"]);
  assert.deepEqual(await why(["x", "a", "y"]), ["probe: x a y: too many arguments (usage: probe [VM] [KIND] [-n N])", undefined]);

  const edit = command({
    name: "edit", help: "", routes: [route("POST /edit")], params: { vm: vm(), what: device("") },
    run: async () => ({ data: null, text: "" }),
  });
  assert.deepEqual(await argsFromWords(edit, ["v", "3"]), { vm: "v", what: 3 });
  assert.deepEqual(await argsFromWords(edit, ["v", "partition=data", "readonly=true"]), { vm: "v", what: { partition: "data", readonly: true } });
  assert.equal(usageOf(edit), "edit VM N|KEY=VALUE…");
  assert.deepEqual(fields("", {}).fromWords(["a.b=1", "a.c=x"]), { a: { b: 1, c: "x" } });
});

test("fields with files: KEY=@FILE is the file's bytes (nested keys too); over HTTP \"@PART\" is a form's part, taken once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-params-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "Image"), "kernel bytes");
  const f = fields("", {}, { files: true });
  const v = await f.fromWords(["cores=1", `kernel=@${join(dir, "Image")}`, `boot.initrd=@${join(dir, "Image")}`, "append=console=ttyS0"]);
  assert.ok(v.kernel instanceof Upload && Buffer.from(v.kernel.bytes).toString() === "kernel bytes" && v.kernel.name === join(dir, "Image"));
  assert.ok((v.boot as { initrd: unknown }).initrd instanceof Upload);
  assert.deepEqual([v.cores, v.append], [1, "console=ttyS0"]);
  await assert.rejects(async () => f.fromWords([`kernel=@${join(dir, "nope")}`]), (e: unknown) => e instanceof ParamError && e.why === "no such file");
  await assert.rejects(async () => f.fromWords([`kernel=@${dir}`]), (e: unknown) => e instanceof ParamError && e.why === "is a directory");
  await assert.rejects(async () => f.fromWords(["kernel=@"]), (e: unknown) => e instanceof ParamError && e.why === "name a file after the @");
  await assert.rejects(async () => fields("", {}).fromWords(["kernel=@x"]), /not valid YAML/, "without files, @ is YAML's reserved character as before");

  const k = new Upload(new Uint8Array(1), "Image");
  const json = f.fromJson({ kernel: "@k", append: "@not-a-part" });
  assert.deepEqual(json, { kernel: "@k", append: "@not-a-part" }, "a plain JSON body has no parts: strings are strings");
  const parts = new Map([["k", k]]);
  assert.equal((f.fromJson({ boot: { kernel: "@k" } }, parts) as { boot: { kernel: unknown } }).boot.kernel, k);
  assert.equal(parts.size, 0, "the part is taken");
  assert.throws(() => f.fromJson({ kernel: "@k" }, parts), (e: unknown) => e instanceof ParamError && /no file part 'k' was sent with the request \(parts: none\)/.test(e.why));
});
