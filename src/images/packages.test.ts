import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CpioWriter } from "./cpio.js";
import { makeTempDir, parseCpio } from "./testing.js";
import { addTree, packageNames, parseSimulatedInstall, setKey } from "./packages.js";

test("apt's simulated install: Inst lines in order, with and without a version being replaced", () => {
  const out = [
    "NOTE: This is only a simulation!",
    "Inst gcc-14-base (14.2.0-19 Debian:13.8/stable [riscv64])",
    "Inst libgcc-s1 (14.2.0-19 Debian:13.8/stable [riscv64]) []",
    "Inst libc6 [2.41-11] (2.41-12+deb13u5 Debian:13.8/stable [riscv64])",
    "Conf libc6 (2.41-12+deb13u5 Debian:13.8/stable [riscv64])",
  ].join("\n");
  assert.deepEqual(parseSimulatedInstall(out), [
    { name: "gcc-14-base", version: "14.2.0-19" },
    { name: "libgcc-s1", version: "14.2.0-19" },
    { name: "libc6", version: "2.41-12+deb13u5" },
  ]);
});

test("package names: Debian policy's characters only, sorted and deduplicated; an empty list is an error", () => {
  assert.deepEqual(packageNames(["nftables", "iproute2", "nftables"]), ["iproute2", "nftables"]);
  assert.throws(() => packageNames(["nft tables"]), /bad Debian package name 'nft tables'/);
  assert.throws(() => packageNames(["-o=APT::x"]), /bad Debian package name '-o=APT::x'/);
  assert.throws(() => packageNames(["Nftables"]), /bad Debian package name/);
  assert.throws(() => packageNames([]), /no Debian package named/);
});

test("a set's key names its versions, not the order apt listed them in", () => {
  const a = [{ name: "a", version: "1" }, { name: "b", version: "2" }];
  assert.equal(setKey(a), setKey([...a].reverse()));
  assert.notEqual(setKey(a), setKey([{ name: "a", version: "1" }, { name: "b", version: "3" }]));
});

test("an unpacked root goes into the archive merged-/usr: files with their modes, symlinks as they are", () => {
  const root = makeTempDir("bulkhead-pkgroot-");
  try {
    mkdirSync(join(root, "usr/sbin"), { recursive: true });
    mkdirSync(join(root, "lib/x"), { recursive: true });
    writeFileSync(join(root, "usr/sbin/nft"), "ELF", { mode: 0o755 });
    writeFileSync(join(root, "lib/x/old.so"), "so");
    symlinkSync("old.so", join(root, "lib/x/old.so.1"));
    const w = new CpioWriter();
    addTree(w, root);
    const entries = new Map(parseCpio(w.finish()).map((e) => [e.name, e]));
    assert.equal(entries.get("usr/sbin/nft")!.mode & 0o777, 0o755);
    assert.equal(entries.get("usr/lib/x/old.so")!.data.toString(), "so");
    assert.equal(entries.get("usr/lib/x/old.so.1")!.mode & 0o170000, 0o120000);
    assert.equal(entries.get("usr/lib/x/old.so.1")!.data.toString(), "old.so");
    assert.equal(entries.has("lib/x/old.so"), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
