import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GdbStub } from "./stub.js";
import { FakeTarget } from "./testing.js";
import { expandRuns, le64Hex, MAX_PACKET } from "./rsp.js";

function framed(payload: string): string {
  let sum = 0;
  for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${payload}#${sum.toString(16).padStart(2, "0")}`;
}

/** A debugger's side: send packets, read the replies (acks stripped, escapes and runs undone). */
function setup(harts = 2) {
  const target = new FakeTarget(harts);
  let wire = "";
  let closed = false;
  const stub = new GdbStub(target, { send: (b) => { wire += b.toString("latin1"); }, close: () => { closed = true; } });
  const replies = (): string[] => {
    const out: string[] = [];
    for (const m of wire.matchAll(/\$([^#]*)#[0-9a-f]{2}/g)) {
      out.push(expandRuns(m[1]).replace(/\}(.)/gs, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20)));
    }
    wire = "";
    return out;
  };
  const ask = (p: string): string[] => { stub.receive(Buffer.from(framed(p), "latin1")); return replies(); };
  return { target, stub, ask, replies, raw: () => wire, closed: () => closed };
}

describe("GDB stub", () => {
  it("acks each packet until no-ack mode, and retransmits on -", () => {
    const t = setup();
    t.stub.receive(Buffer.from(framed("?")));
    assert.match(t.raw(), /^\+\$T05thread:1;#/);
    t.stub.receive(Buffer.from("-"));
    assert.match(t.raw(), /\$T05thread:1;#[0-9a-f]{2}\$T05thread:1;#/, "the last reply is sent again");
    t.replies();
    assert.deepEqual(t.ask("QStartNoAckMode"), ["OK"]);
    t.stub.receive(Buffer.from(framed("?")));
    assert.match(t.raw(), /^\$T05/, "no + in no-ack mode");
    t.replies();
    t.stub.receive(Buffer.from("$?#00"));
    assert.equal(t.raw(), "", "no - in no-ack mode either");
  });

  it("answers a bad checksum with - in ack mode", () => {
    const t = setup();
    t.stub.receive(Buffer.from("$g#00"));
    assert.equal(t.raw(), "-");
  });

  it("advertises what it serves and serves the target description", () => {
    const t = setup();
    const [sup] = t.ask("qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
    assert.match(sup!, new RegExp(`PacketSize=${MAX_PACKET.toString(16)}`));
    assert.match(sup!, /qXfer:features:read\+/);
    let xml = "";
    for (let off = 0; ; ) {
      const [r] = t.ask(`qXfer:features:read:target.xml:${off.toString(16)},40`);
      xml += r!.slice(1);
      off += r!.length - 1;
      if (r![0] === "l") break;
      assert.equal(r![0], "m");
    }
    assert.match(xml, /<architecture>riscv:rv64<\/architecture>/);
    for (const inc of xml.matchAll(/href="([^"]+)"/g)) {
      const [r] = t.ask(`qXfer:features:read:${inc[1]}:0,3000`);
      assert.equal(r![0], "l", inc[1]);
    }
    const [csr] = t.ask("qXfer:features:read:riscv-csr.xml:0,3000");
    assert.match(csr!, /<reg name="satp" bitsize="64" regnum="450"\/>/, "QEMU's number for satp (66 + 0x180)");
    const [virt] = t.ask("qXfer:features:read:riscv-64bit-virtual.xml:0,3000");
    assert.match(virt!, /name="priv" bitsize="64" regnum="65"/);
    assert.deepEqual(t.ask("qXfer:features:read:nosuch.xml:0,10"), ["E00"]);
    assert.deepEqual(t.ask("qXfer:features:read:target.xml:zz,10"), ["E16"]);
  });

  it("lists harts as threads (tid = hart + 1) and selects them with H", () => {
    const t = setup(3);
    assert.deepEqual(t.ask("qfThreadInfo"), ["m1,2,3"]);
    assert.deepEqual(t.ask("qsThreadInfo"), ["l"]);
    assert.deepEqual(t.ask("qC"), ["QC1"]);
    assert.deepEqual(t.ask("T3"), ["OK"]);
    assert.deepEqual(t.ask("T4"), ["E01"]);
    assert.deepEqual(t.ask("qThreadExtraInfo,2"), [Buffer.from("hart 1 [stopped]").toString("hex")]);
    assert.deepEqual(t.ask("Hg2"), ["OK"]);
    assert.deepEqual(t.ask("p20"), [le64Hex(0x100n + 32n)], "pc of hart 1");
    assert.deepEqual(t.ask("Hg9"), ["E16"]);
    assert.deepEqual(t.ask("qAttached"), ["1"]);
  });

  it("reads and writes registers: g/G over x0-x31 and pc, p/P by gdb's number", () => {
    const t = setup();
    const [g] = t.ask("g");
    assert.equal(g!.length, 33 * 16);
    assert.equal(g!.slice(32 * 16), le64Hex(32n), "pc is the 33rd register");
    const regs = Array.from({ length: 33 }, (_, i) => le64Hex(BigInt(i) * 3n)).join("");
    assert.deepEqual(t.ask("G" + regs), ["OK"]);
    assert.equal(t.target.regs[0]![5], 15n);
    assert.deepEqual(t.ask("G1234"), ["E16"]);
    assert.deepEqual(t.ask("P5=" + le64Hex(0xdeadn)), ["OK"]);
    assert.equal(t.target.regs[0]![5], 0xdeadn);
    assert.deepEqual(t.ask("p1000"), ["E14"], "no such register");
    assert.deepEqual(t.ask("pzz"), ["E16"]);
    assert.deepEqual(t.ask("P5=xyz"), ["E16"]);
  });

  it("reads and writes memory with m, M and binary X; a fault is E0e", () => {
    const t = setup();
    assert.deepEqual(t.ask("M1000,4:01020304"), ["OK"]);
    assert.deepEqual(t.ask("m1000,4"), ["01020304"]);
    assert.deepEqual(t.ask("X1004,2:}\x03}\x04"), ["OK"]);
    assert.deepEqual([...t.target.mem.slice(4, 6)], [0x23, 0x24]);
    assert.deepEqual(t.ask("m10,4"), ["E0e"]);
    assert.deepEqual(t.ask("M1000,4:0102"), ["E16"], "length and data disagree");
    assert.deepEqual(t.ask("m1000"), ["E16"]);
    assert.deepEqual(t.ask("mffffffffffffffffff,1"), ["E16"]);
    assert.equal(t.ask("m1ff0,100")[0], "00".repeat(16), "a read stops at the first byte that cannot be read");
  });

  it("sets and clears breakpoints and watchpoints, and reports watch stops as gdb asked", () => {
    const t = setup();
    assert.deepEqual(t.ask("Z0,ffffffff80c008bc,2"), ["OK"]);
    assert.deepEqual(t.ask("Z1,80000000,4"), ["OK"]);
    assert.deepEqual([...t.target.breaks], [0xffffffff80c008bcn, 0x80000000n]);
    assert.deepEqual(t.ask("z0,ffffffff80c008bc,2"), ["OK"]);
    assert.deepEqual([...t.target.breaks], [0x80000000n]);
    assert.deepEqual(t.ask("Z4,80001000,8"), ["OK"]);
    assert.deepEqual(t.target.watches, [{ addr: 0x80001000n, len: 8, kind: "access" }]);
    assert.deepEqual(t.ask("c"), []);
    t.target.onStop?.({ kind: "watch", hart: 1, watch: "read", addr: 0x80001000n });
    assert.deepEqual(t.replies(), ["T05awatch:80001000;thread:2;"]);
    assert.deepEqual(t.ask("Z2,80001000,0"), ["E16"]);
    assert.deepEqual(t.ask("Z0,xyz,2"), ["E16"]);
    assert.deepEqual(t.ask("Z9,0,0"), [""], "an unknown type is not supported");
  });

  it("resumes with c and vCont, steps one hart, and answers Ctrl-C while running", () => {
    const t = setup();
    assert.deepEqual(t.ask("vCont?"), ["vCont;c;C;s;S"]);
    assert.deepEqual(t.ask("vCont;s:2;c"), ["T05thread:2;"]);
    assert.deepEqual(t.target.calls, ["step 1"]);
    assert.deepEqual(t.ask("c"), []);
    assert.deepEqual(t.ask("g"), ["E16"], "all-stop: nothing but Ctrl-C while running");
    t.stub.receive(Uint8Array.of(3));
    assert.deepEqual(t.replies(), ["T05thread:1;"]);
    assert.deepEqual(t.target.calls, ["step 1", "resume", "interrupt"]);
    assert.deepEqual(t.ask("c80000000"), []);
    assert.equal(t.target.regs[0]![32], 0x80000000n, "c ADDR resumes there");
    t.target.onStop?.({ kind: "break", hart: 0 });
    assert.deepEqual(t.replies(), ["T05thread:1;"]);
    assert.deepEqual(t.ask("vCont;x"), ["E16"]);
    assert.deepEqual(t.ask("vCont;s:7"), ["E16"]);
  });

  it("reports the guest's exit and closes; D detaches", () => {
    const t = setup();
    t.ask("c");
    t.target.onStop?.({ kind: "exited", code: 0 });
    assert.deepEqual(t.replies(), ["W00"]);
    assert.equal(t.closed(), true);
    const d = setup();
    assert.deepEqual(d.ask("D"), ["OK"]);
    assert.deepEqual(d.target.calls, ["detach"]);
    assert.equal(d.closed(), true);
  });

  it("runs monitor commands: its own (phys) and the target's", () => {
    const t = setup();
    const hex = (s: string) => Buffer.from(s).toString("hex");
    const r = t.ask("qRcmd," + hex("regs vm 0"));
    assert.equal(r.at(-1), "OK");
    assert.equal(Buffer.from(r[0]!.slice(1), "hex").toString(), "ran regs vm 0\n");
    const p = t.ask("qRcmd," + hex("phys on"));
    assert.match(Buffer.from(p[0]!.slice(1), "hex").toString(), /physical/);
    assert.deepEqual(t.ask("qRcmd,zz"), ["E16"]);
  });

  it("answers anything it does not know with an empty reply", () => {
    const t = setup();
    for (const p of ["qOffsets", "vMustReplyEmpty", "qTStatus", "!", "bc", "Qfoo"]) assert.deepEqual(t.ask(p), [""], p);
  });

  it("survives a bounded fuzz of random and truncated packets, and still answers", () => {
    const t = setup();
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const letters = "?gGpPmMXcCsSHTZzDvqQk!$#}*+-\x03";
    for (let i = 0; i < 3000; i++) {
      let p = "";
      const len = rnd(40);
      for (let k = 0; k < len; k++) p += rnd(3) === 0 ? letters[rnd(letters.length)] : String.fromCharCode(rnd(256));
      if (p.startsWith("k") || p.startsWith("D")) continue; // those end the session on purpose
      const bytes = rnd(2) === 0 ? framed(p) : framed(p).slice(0, rnd(p.length + 3));
      t.stub.receive(Buffer.from(bytes, "latin1"));
      if (t.stub.isRunning) t.stub.receive(Uint8Array.of(3));
    }
    t.replies();
    t.stub.receive(Buffer.from("$#00")); // close any open packet
    t.replies();
    assert.match(t.ask("qC").at(-1)!, /^QC[12]$/);
    assert.match(t.ask("?").at(-1)!, /^T05/);
  });
});
