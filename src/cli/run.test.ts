import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CliError } from "./cli-error.js";
import { bootConfigOf, EscapeFilter, exitStatus, parseMemorySize, parseRunArgs, planDevices } from "./run.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

function usage(argv: string[], re: RegExp): void {
  assert.throws(() => parseRunArgs(argv), (e: unknown) => e instanceof CliError && e.status === 2 && re.test(e.message) && !e.message.includes("\n"));
}

test("defaults: builtin SBI, 512M, one hart, realtime", () => {
  const o = parseRunArgs([]);
  assert.deepEqual(o.bios, { kind: "builtin" });
  assert.equal(o.memoryBytes, 512 * 2 ** 20);
  assert.equal(o.smp, 1);
  assert.equal(o.timing, "realtime");
  assert.equal(o.dumpStats, false);
});

test("QEMU-like options", () => {
  const o = parseRunArgs(["--kernel", "k", "--initrd", "i", "--append", "console=ttyS0 quiet", "-m", "2G", "--smp", "4", "--timing", "virtual", "--bios", "fw.bin", "--dtb-out", "x.dtb", "--dump-stats"]);
  assert.equal(o.kernel, "k");
  assert.equal(o.append, "console=ttyS0 quiet");
  assert.equal(o.memoryBytes, 2 ** 31);
  assert.equal(o.smp, 4);
  assert.deepEqual(o.bios, { kind: "file", path: "fw.bin" });
  assert.equal(o.dtbOut, "x.dtb");
  assert.equal(o.dumpStats, true);
  assert.deepEqual(parseRunArgs(["--bios", "none", "--kernel", "t.elf"]).bios, { kind: "none" });
  assert.equal(parseRunArgs(["--memory=256"]).memoryBytes, 256 * 2 ** 20);
});

test("option errors are one line naming the option", () => {
  usage(["--kernal", "x"], /^run: unknown option '--kernal'/);
  usage(["-q"], /unknown option '-q'/);
  usage(["--kernel"], /option --kernel needs a value/);
  usage(["stray"], /unexpected argument 'stray'/);
  usage(["--dump-stats=yes"], /--dump-stats takes no value/);
  usage(["--timing", "fast"], /--timing must be realtime or virtual, not 'fast'/);
  usage(["--smp", "0"], /--smp must be a number of harts from 1 to 8, not '0'/);
  usage(["--smp", "two"], /not 'two'/);
  usage(["--bios", "none"], /--bios none needs --kernel/);
  usage(["-m", "lots"], /--memory 'lots' is not a size/);
});

test("memory sizes in QEMU syntax", () => {
  assert.equal(parseMemorySize("512M"), 512 * 2 ** 20);
  assert.equal(parseMemorySize("512m"), 512 * 2 ** 20);
  assert.equal(parseMemorySize("1.5G"), 1536 * 2 ** 20);
  assert.equal(parseMemorySize("64"), 64 * 2 ** 20);
  assert.equal(parseMemorySize("65536K"), 64 * 2 ** 20);
  assert.equal(parseMemorySize("256MiB"), 256 * 2 ** 20);
  assert.equal(parseMemorySize("3584M"), 3584 * 2 ** 20);
  assert.throws(() => parseMemorySize("4G"), /more than a VM can have \(at most 3584M\)/);
  assert.throws(() => parseMemorySize("1M"), /too small/);
  assert.throws(() => parseMemorySize("2049K"), /4 KiB pages/);
});

test("missing files are host errors (exit 1) naming the file", async () => {
  await assert.rejects(bootConfigOf(parseRunArgs(["--kernel", "/nonexistent/Image"])), (e: unknown) => e instanceof CliError && e.status === 1 && e.message === "kernel /nonexistent/Image: not found");
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-run-"));
  writeFileSync(join(dir, "k"), "x");
  await assert.rejects(bootConfigOf(parseRunArgs(["--kernel", join(dir, "k"), "--bios", dir])), /firmware .*: is a directory/);
  const boot = await bootConfigOf(parseRunArgs(["--kernel", join(dir, "k"), "--append", "a=b", "--raw-kernel"]));
  assert.equal(boot.mode, "direct");
  assert.equal(boot.rawKernel, true);
  assert.equal(boot.append, "a=b");
});

test("Ctrl-A escapes: x exits, h helps, Ctrl-A Ctrl-A sends one; other bytes pass in order", () => {
  const sent: number[] = [];
  const events: string[] = [];
  const f = new EscapeFilter({ send: (b) => sent.push(...b), exit: () => events.push("exit"), help: () => events.push("help") });
  f.push(Uint8Array.of(0x61, 0x01, 0x68, 0x62));
  assert.deepEqual(sent, [0x61, 0x62]);
  assert.deepEqual(events, ["help"]);
  f.push(Uint8Array.of(0x01));
  f.push(Uint8Array.of(0x01, 0x63, 0x01));
  assert.deepEqual(sent, [0x61, 0x62, 0x01, 0x63]);
  f.push(Uint8Array.of(0x78, 0x64));
  assert.deepEqual(events, ["help", "exit"]);
  assert.deepEqual(sent, [0x61, 0x62, 0x01, 0x63], "nothing after Ctrl-A x");
  f.push(Uint8Array.of(0x03));
  assert.deepEqual(sent.at(-1), 0x03, "Ctrl-C goes to the guest");
});

test("exit statuses", () => {
  assert.equal(exitStatus({ kind: "poweroff", code: 0 }), 0);
  assert.equal(exitStatus({ kind: "fail", code: 42 }), 42);
  assert.equal(exitStatus({ kind: "stopped", reason: "x" }), 0);
  assert.equal(exitStatus({ kind: "hang", reason: "x" }), 1);
});

function bulkhead(args: string[], cwd = repo) {
  return spawnSync(process.execPath, [join(cwd, "bin/bulkhead"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

test("bin/bulkhead: unknown option and command exit 2 with one line, help exits 0", () => {
  const r = bulkhead(["run", "--frobnicate"]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "bulkhead: run: unknown option '--frobnicate' (see bulkhead run --help)\n");
  const c = bulkhead(["fly"]);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /^bulkhead: unknown command 'fly'/);
  const h = bulkhead(["run", "--help"]);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--kernel FILE/);
  assert.equal(bulkhead(["--help"]).status, 0);
});

test("bin/bulkhead: a missing kernel is one line, exit 1, no stack", () => {
  const r = bulkhead(["run", "--kernel", "/nonexistent/vmlinuz"]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "bulkhead: kernel /nonexistent/vmlinuz: not found\n");
});

test("bin/bulkhead without dist says how to build, exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-bin-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(repo, "bin/bulkhead"), join(dir, "bin/bulkhead"));
  writeFileSync(join(dir, "package.json"), '{"type":"module"}');
  const r = bulkhead([], dir);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "bulkhead is not built: run npm install (or npm run build)\n");
});

test("a value that starts with a dash is the option's value: -m -5 says what is wrong with -5", () => {
  assert.throws(() => parseRunArgs(["-m", "-5"]), (e: unknown) => e instanceof CliError && e.status === 2 && e.message === "run: --memory '-5' is not a size (try 512M or 2G)");
  assert.throws(() => parseRunArgs(["--smp", "-1"]), (e: unknown) => e instanceof CliError && /--smp must be a number of harts from 1 to 8, not '-1'/.test(e.message));
  assert.throws(() => parseRunArgs(["-m", "--smp", "2"]), (e: unknown) => e instanceof CliError && /option -m needs a value/.test(e.message));
});

test("--display [WxH]: alone the default mode, one display device; --screen needs it", () => {
  assert.deepEqual(parseRunArgs(["--display"]).display, { width: 1280, height: 800 });
  assert.deepEqual(parseRunArgs(["--display", "--smp", "2"]).display, { width: 1280, height: 800 });
  const o = parseRunArgs(["--display", "1024x768", "--screen", "0"]);
  assert.deepEqual([o.display, o.screen], [{ width: 1024, height: 768 }, { host: "127.0.0.1", port: 0 }]);
  assert.deepEqual(planDevices(o).devices, [{ kind: "display", name: "display", width: 1024, height: 768 }]);
  assert.equal(parseRunArgs([]).display, undefined);
  usage(["--display", "big"], /--display big: it is not WIDTHxHEIGHT/);
  usage(["--display", "100x100"], /--display 100x100: width 100 is not a whole number from 320/);
  usage(["--screen", "5900"], /--screen serves the screen of --display/);
  usage(["--display", "--screen", "x:99999"], /--screen takes \[HOST:\]PORT/);
});
