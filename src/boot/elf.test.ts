import assert from "node:assert/strict";
import { test } from "node:test";
import { BootError } from "./boot-error.js";
import { isElf, loadElf, parseElf } from "./elf.js";
import { makeElf } from "./testing.js";

const RAM_BASE = 0x8000_0000n;
const ram = (size = 1 << 20) => ({ base: RAM_BASE, bytes: new Uint8Array(size).fill(0xee) });
const code = new Uint8Array([0x13, 0, 0, 0, 0x73, 0, 0x10, 0x10]);

function throwsKind(fn: () => unknown, kind: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BootError, `expected BootError, got ${e}`);
    assert.equal(e.kind, kind);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test("loads PT_LOAD segments at p_paddr, zeroes bss, returns the entry", () => {
  const r = ram();
  const elf = makeElf({
    entry: RAM_BASE + 4n,
    segments: [
      { paddr: RAM_BASE, data: code },
      { paddr: RAM_BASE + 0x1000n, data: new Uint8Array([1, 2, 3]), memsz: 0x100 },
    ],
  });
  const l = loadElf(r, elf, "t.elf");
  assert.equal(l.entry, RAM_BASE + 4n);
  assert.equal(l.low, RAM_BASE);
  assert.equal(l.high, RAM_BASE + 0x1100n);
  assert.deepEqual([...r.bytes.subarray(0, 8)], [...code]);
  assert.deepEqual([...r.bytes.subarray(0x1000, 0x1003)], [1, 2, 3]);
  assert.ok(r.bytes.subarray(0x1003, 0x1100).every((b) => b === 0), "bss zeroed");
  assert.equal(r.bytes[0x1100], 0xee, "nothing past memsz touched");
});

test("translates a virtual entry through its segment (vmlinux-style)", () => {
  const elf = makeElf({ entry: 0xffff_ffff_8000_0010n, segments: [{ paddr: RAM_BASE + 0x20_0000n, vaddr: 0xffff_ffff_8000_0000n, data: code, memsz: 0x100 }] });
  assert.equal(loadElf(ram(4 << 20), elf, "vmlinux").entry, RAM_BASE + 0x20_0010n);
});

test("skips non-LOAD and empty segments", () => {
  const info = parseElf(
    makeElf({ entry: RAM_BASE, segments: [{ paddr: 0n, data: new Uint8Array(4), type: 4 }, { paddr: RAM_BASE, data: code }, { paddr: 0n, data: new Uint8Array(0) }] }),
    "x",
  );
  assert.equal(info.segments.length, 1);
});

test("not an ELF", () => {
  assert.equal(isElf(new Uint8Array([0x7f, 0x45])), false);
  throwsKind(() => parseElf(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "script"), "NotElf", /script is not an ELF file/);
});

test("wrong class, endianness, machine and type are named", () => {
  const seg = [{ paddr: RAM_BASE, data: code }];
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: seg, cls: 1 }), "a"), "ElfClass", /32-bit.*rv64/);
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: seg, data: 2 }), "a"), "ElfEndian");
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: seg, machine: 62 }), "a"), "ElfMachine", /x86-64.*not RISC-V/);
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: seg, type: 1 }), "a"), "ElfType", /relocatable/);
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: seg, flags: 0x8 }), "a"), "ElfUnsupported", /RV64E/);
});

test("truncated files are caught, not read past", () => {
  const elf = makeElf({ entry: RAM_BASE, segments: [{ paddr: RAM_BASE, data: new Uint8Array(100) }] });
  throwsKind(() => parseElf(elf.subarray(0, 40), "t"), "ElfTruncated");
  throwsKind(() => parseElf(elf.subarray(0, 100), "t"), "ElfTruncated", /program headers/);
  throwsKind(() => parseElf(elf.subarray(0, elf.length - 1), "t"), "ElfTruncated", /segment 0/);
  throwsKind(() => parseElf(makeElf({ entry: 0n, segments: [] }), "t"), "ElfNoSegments");
});

test("segments outside RAM are refused with a hint", () => {
  throwsKind(() => loadElf(ram(), makeElf({ entry: 0n, segments: [{ paddr: 0x2000_0000n, data: code }] }), "low.elf"), "OutsideRam", /link it for the virt machine's RAM at 0x80000000/);
  throwsKind(
    () => loadElf(ram(0x1000), makeElf({ entry: RAM_BASE, segments: [{ paddr: RAM_BASE, data: code, memsz: 0x2000 }] }), "big.elf"),
    "OutsideRam",
    /more memory/,
  );
});
