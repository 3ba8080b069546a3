import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Disassembler, disassemble, formatInsn, type ByteReader } from "./disas.js";

const flat = (bytes: Uint8Array, base: bigint): ByteReader => (addr, len) => {
  const off = Number(addr - base);
  return off < 0 || off >= bytes.length ? new Uint8Array(0) : bytes.subarray(off, Math.min(off + len, bytes.length));
};
/** Little-endian bytes from hex words whose digit count gives their size: "0001" 2 bytes, "00000013" 4. */
const words = (...ws: string[]): Uint8Array =>
  Uint8Array.from(ws.flatMap((w) => Array.from({ length: w.length / 2 }, (_, i) => parseInt(w.slice(w.length - 2 * i - 2, w.length - 2 * i), 16))));
const texts = (base: bigint, ...ws: string[]): string[] => {
  const bytes = words(...ws);
  return disassemble(flat(bytes, base), base, ws.length).map((i) => i.text);
};

describe("disas: known encodings (objdump 2.40's text)", () => {
  it("pseudo-instructions, CSR names, and the auipc pair's address note", () => {
    assert.deepEqual(texts(0x80000000n, "f14022f3", "0a029863", "00006117", "42810113", "30529073", "fff00293", "3002b073", "00305073", "ff5ff06f", "00008067"), [
      "csrr t0,mhartid", "bnez t0,0x800000b4", "auipc sp,0x6", "add sp,sp,1064 # 0x80006430", "csrw mtvec,t0", "li t0,-1",
      "csrc mstatus,t0", "csrw fcsr,0", "j 0x80000014", "ret",
    ]);
    assert.deepEqual(texts(0n, "00302573", "c0102573", "7c002573", "3002d573", "40b00533", "0015b513", "fff5c513", "0ff77593", "0005851b", "00858067"), [
      "frcsr a0", "rdtime a0", "csrr a0,0x7c0", "csrrw a0,mstatus,5", "neg a0,a1", "seqz a0,a1", "not a0,a1", "zext.b a1,a4", "sext.w a0,a1", "jr 8(a1)",
    ]);
  });

  it("compressed words by their expanded names, HINTs by their own", () => {
    assert.deepEqual(texts(0n, "0000", "0001", "0005", "0505", "1141", "852a", "4505", "4001", "2501", "2001", "0010", "0502", "9002", "8082", "e008"), [
      "unimp", "nop", "c.nop 1", "add a0,a0,1", "add sp,sp,-16", "mv a0,a0", "li a0,1", "c.li zero,0", "sext.w a0,a0", ".2byte 0x2001",
      ".2byte 0x10", "c.slli64 a0", "ebreak", "ret", "sd a0,0(s0)",
    ]);
  });

  it("floating point: rounding modes shown unless dynamic, fmv/fneg/fabs, exact conversions", () => {
    assert.deepEqual(texts(0n, "000000d3", "0000f553", "0000d0d3", "22b58553", "d2050553", "d2057553", "40150553", "c2051553", "0000b087"), [
      "fadd.s ft1,ft0,ft0,rne", "fadd.s fa0,ft1,ft0", "fadd.s ft1,ft1,ft0,unknown", "fmv.d fa0,fa1", "fcvt.d.w fa0,a0", ".4byte 0xd2057553",
      "fcvt.s.d fa0,fa0,rne", "fcvt.w.d a0,fa0,rtz", "fld ft1,0(ra)",
    ]);
  });

  it("fences, atomics, privileged instructions", () => {
    assert.deepEqual(texts(0n, "0ff0000f", "8330000f", "0100000f", "0000100f", "1605b52f", "1cc5a52f", "00000073", "00100073", "30200073", "10200073", "10500073", "12b50073", "12000073", "7b200073"), [
      "fence", "fence.tso", "fence w,unknown", "fence.i", "lr.d.aqrl a0,(a1)", "sc.w.aq a0,a2,(a1)", "ecall", "ebreak", "mret", "sret", "wfi",
      "sfence.vma a0,a1", "sfence.vma", "dret",
    ]);
  });

  it("illegal and long encodings as objdump's directives, the raw column as objdump lays it out", () => {
    const bytes = words("40b57033", "001f", "0000", "0000", "0000003f", "0000007f", "ffff");
    const got = disassemble(flat(bytes, 0n), 0n, 10);
    assert.deepEqual(got.map((i) => [i.length, i.hex, i.text]), [
      [4, "40b57033", ".4byte 0x40b57033"],
      [6, "001f 0000 0000", ".byte 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00"],
      [8, "0000003f 0000007f", ".8byte 0x7f0000003f"],
      [2, "ffff", ".2byte 0xffff"],
    ]);
    assert.equal(formatInsn(got[0]!), "0000000000000000:  40b57033            .4byte    0x40b57033");
  });

  it("stops where memory cannot be read, mid-instruction too", () => {
    const bytes = words("00000013", "0001", "0513");
    const got = disassemble(flat(bytes, 0x1000n), 0x1000n, 10);
    assert.deepEqual(got.map((i) => [i.addr, i.text]), [[0x1000n, "nop"], [0x1004n, "nop"]], "the half of addi a0 at 0x1006 is not shown");
    assert.equal(new Disassembler(flat(bytes, 0x1000n)).next(0x2000n), undefined);
  });
});

// ---- GNU objdump as the judge ----

const OBJDUMP = "riscv64-linux-gnu-objdump", OBJCOPY = "riscv64-linux-gnu-objcopy";
const hasObjdump = spawnSync(OBJDUMP, ["--version"]).status === 0 && spawnSync(OBJCOPY, ["--version"]).status === 0;
const skip = !hasObjdump && `${OBJDUMP} (binutils-riscv64-linux-gnu) is not installed`;
const dir = hasObjdump ? mkdtempSync(join(tmpdir(), "disas-")) : "";
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

interface Line { readonly addr: bigint; readonly hex: string; readonly text: string }

/** objdump's listing: one entry per instruction, continuation lines of long raw bytes joined. */
function objdump(args: readonly string[]): Line[] {
  const r = spawnSync(OBJDUMP, args, { maxBuffer: 1 << 30, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out: Line[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
    const more = /^\s*[0-9a-f]+:\t([0-9a-f ]+?)\s*$/.exec(line);
    if (m) {
      if (m[3]!.includes("out of bounds")) continue; // a truncated instruction at the end
      // Symbolic targets ("800000b4 <park>") compared as the absolute addresses we print.
      out.push({ addr: BigInt(`0x${m[1]}`), hex: m[2]!, text: m[3]!.replace(/\b([0-9a-f]+) <[^>]*>/g, "0x$1").replace(/\s+/g, " ").trim() });
    } else if (more && out.length > 0) {
      const last = out.pop()!;
      out.push({ ...last, hex: `${last.hex} ${more[1]}` });
    }
  }
  return out;
}

/** Each of objdump's instructions against ours at the same address; `excuse` may explain a difference. */
function compare(lines: readonly Line[], read: ByteReader, excuse?: (want: Line, got: string) => string | undefined): { excused: Map<string, number>; wrong: string[] } {
  const d = new Disassembler(read);
  const excused = new Map<string, number>(), wrong: string[] = [];
  for (const want of lines) {
    const got = d.next(want.addr);
    const text = got ? got.text : "(unreadable)";
    if (got && text === want.text && got.hex === want.hex) continue;
    const why = excuse?.(want, text);
    if (why) excused.set(why, (excused.get(why) ?? 0) + 1);
    else wrong.push(`${want.addr.toString(16)}: ${want.hex}  objdump: ${want.text}  ours: ${got?.hex ?? ""} ${text}`);
  }
  return { excused, wrong };
}

/** objdump -b binary over `bytes` as if loaded at `vma`, then compare(): every instruction must agree. */
function judgeRaw(name: string, bytes: Uint8Array, vma = 0n): number {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const lines = objdump(["-b", "binary", "-m", "riscv:rv64", "-D", "-z", `--adjust-vma=0x${vma.toString(16)}`, file]);
  const { wrong } = compare(lines, flat(bytes, vma));
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${lines.length} instructions differ from objdump`);
  return lines.length;
}

/** A seeded xorshift32, so a failure names the same words on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}
const le32 = (ws: readonly number[]): Uint8Array => {
  const b = new Uint8Array(ws.length * 4);
  const v = new DataView(b.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return b;
};

describe("disas against GNU objdump", { skip, timeout: 300_000 }, () => {
  it("every 16-bit compressed encoding", () => {
    const hs: number[] = [];
    for (let h = 0; h < 0x10000; h++) if ((h & 3) !== 3) hs.push(h);
    const b = new Uint8Array(hs.length * 2);
    hs.forEach((h, i) => { b[i * 2] = h & 0xff; b[i * 2 + 1] = h >> 8; });
    assert.equal(judgeRaw("c16.bin", b), 49152);
  });

  it("a sweep of 32-bit words: random, every funct7/funct3/small-register shape, every I immediate", () => {
    const next = random(0x5eed);
    const small = (): number => { const r = next(); return r % 3 === 0 ? r >>> 27 : (r >>> 8) % 6; };
    const ws: number[] = [];
    const majors = Array.from({ length: 128 }, (_, o) => o).filter((o) => (o & 3) === 3 && ((o >> 2) & 7) !== 7);
    for (const o of majors) for (let i = 0; i < 2000; i++) ws.push((next() & ~0x7f) | o);
    for (const o of [0x33, 0x3b, 0x53, 0x2f, 0x73, 0x0f, 0x43, 0x47, 0x4b, 0x4f]) {
      for (let f7 = 0; f7 < 128; f7++) for (let f3 = 0; f3 < 8; f3++) ws.push((f7 << 25) | (small() << 20) | (small() << 15) | (f3 << 12) | (small() << 7) | o);
    }
    for (const o of [0x13, 0x1b, 0x03, 0x67, 0x73, 0x0f, 0x07]) {
      for (let f3 = 0; f3 < 8; f3++) for (let imm = 0; imm < 4096; imm++) ws.push((imm << 20) | (small() << 15) | (f3 << 12) | (small() << 7) | o);
    }
    assert.ok(judgeRaw("w32.bin", le32(ws)) >= ws.length);
  });

  it("48-bit, 64-bit and longer encodings", () => {
    const next = random(7);
    const b: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const h = (next() & 0xff80) | [0x1f, 0x3f, 0x7f, 0x13, 0x01][i % 5]!;
      b.push(h & 0xff, h >> 8);
      for (let j = next() % 8; j > 0; j--) b.push(next() & 0xff);
    }
    judgeRaw("long.bin", Uint8Array.from(b));
  });

  // Debian's own binaries, as `bulkhead images fetch` caches them: OpenSBI and U-Boot whole,
  // the kernel's first MiB (all of its 31 MB agreed when this was written; a MiB keeps it quick).
  for (const [image, what, limit, vma] of [
    ["opensbi-dynamic", "OpenSBI fw_dynamic.bin", Infinity, 0x80000000n],
    ["uboot", "U-Boot qemu-riscv64_smode", Infinity, 0x80200000n],
    ["kernel", "kernel Image, its first MiB", 1 << 20, 0x80200000n],
  ] as const) {
    it(`Debian's ${what}`, (t) => {
      const r = spawnSync(process.execPath, [join(process.cwd(), "bin", "bulkhead"), "images", "path", image], { encoding: "utf8" });
      if (r.status !== 0) { t.skip(`not cached (bulkhead images fetch): ${r.stderr.trim()}`); return; }
      const bytes = readFileSync(r.stdout.trim());
      assert.ok(judgeRaw(`${image}.bin`, bytes.subarray(0, Math.min(bytes.length, limit)), vma) > 50_000);
    });
  }

  // The ELFs we build (ISA tests, test guests) as objdump shows them from their symbols and
  // attributes. Deliberate differences, where objdump knows more than a memory image says:
  const DATA = "data by the ELF's $d mapping symbols (.word/.short/.byte): we decode the bytes as code";
  const NO_C = "a compressed encoding where the ELF's ISA ($x<isa> symbol or arch attribute) has no C: objdump prints .2byte, we decode RV64GC";
  const PRIV = "a CSR newer than the ELF's Tag_RISCV_priv_spec (1.11): objdump prints its number, we name it (priv 1.12)";
  it("the ISA tests' and test guests' ELFs, every instruction of .text", (t) => {
    const elfs = ["test/isa/bin", "test/isa/bin/strict", "test/guests/bin"].flatMap((d) =>
      readdirSync(d).filter((f) => f.endsWith(".elf")).map((f) => join(d, f)));
    assert.ok(elfs.length >= 15, `${elfs.length} ELFs`);
    let total = 0;
    const excusedAll = new Map<string, number>();
    for (const elf of elfs) {
      const h = spawnSync(OBJDUMP, ["-h", elf], { encoding: "utf8" }).stdout;
      const m = /\s\.text\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(h);
      assert.ok(m, `${elf} has a .text`);
      const vma = BigInt(`0x${m[2]}`);
      const raw = join(dir, "text.bin");
      assert.equal(spawnSync(OBJCOPY, ["-O", "binary", "--only-section=.text", elf, raw]).status, 0);
      const text = readFileSync(raw);
      // The ISA in force at an address: the last $x<isa> mapping symbol at or below it, else the
      // file's arch attribute, else objdump's default (rv64gc).
      const attrs = spawnSync("riscv64-linux-gnu-readelf", ["-A", elf], { encoding: "utf8" }).stdout;
      const fileArch = /Tag_RISCV_arch: "([^"]*)"/.exec(attrs)?.[1] ?? "rv64gc";
      const isas = spawnSync("riscv64-linux-gnu-nm", ["-n", "--special-syms", elf], { encoding: "utf8" }).stdout.split("\n")
        .map((l) => /^([0-9a-f]+) t \$x(rv\S+)$/.exec(l)).filter((x) => x !== null).map((x) => [BigInt(`0x${x[1]}`), x[2]!] as const);
      const hasC = (addr: bigint): boolean => {
        const arch = isas.filter(([a]) => a <= addr).at(-1)?.[1] ?? fileArch;
        return /^rv64[a-z]*c|_c\d/.test(arch);
      };
      const lines = objdump(["-d", "-z", elf]);
      total += lines.length;
      const { wrong, excused } = compare(lines, flat(text, vma), (want, got) => {
        if (/^\.(word|short|byte|dword) /.test(want.text)) return DATA;
        if (!hasC(want.addr) && want.text.startsWith(".2byte ") && want.hex.length === 4 && !got.startsWith(".2byte")) return NO_C;
        // The same instruction but for one operand: the CSR's number in objdump's, a name in ours.
        const word = parseInt(want.hex, 16);
        const a = want.text.split(/[ ,]/), b = got.split(/[ ,]/);
        const differ = a.flatMap((x, i) => (x === b[i] ? [] : [[x, b[i]!]]));
        if ((word & 0x7f) === 0x73 && a.length === b.length && differ.length === 1 && differ[0]![0] === `0x${(word >>> 20).toString(16)}` && /^[a-z]/.test(differ[0]![1]!)) return PRIV;
        return undefined;
      });
      assert.deepEqual(wrong.slice(0, 20), [], `${elf}: ${wrong.length} of ${lines.length} differ`);
      for (const [why, n] of excused) excusedAll.set(why, (excusedAll.get(why) ?? 0) + n);
    }
    assert.ok(total > 40_000, `${total} instructions`);
    for (const [why, n] of excusedAll) t.diagnostic(`${n} of ${total}: ${why}`);
  });
});
