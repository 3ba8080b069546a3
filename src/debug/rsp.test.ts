import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PacketReader, encodePacket, expandRuns, MAX_PACKET, parseHexNumber, parseLeHex, le64Hex, fromHex } from "./rsp.js";

const b = (s: string): Uint8Array => Buffer.from(s, "latin1");
const framed = (payload: string): string => {
  let sum = 0;
  for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${payload}#${sum.toString(16).padStart(2, "0")}`;
};

describe("RSP framing", () => {
  it("splits acks, interrupts and packets, across any feed boundaries", () => {
    const r = new PacketReader();
    const all = b(`+${framed("qSupported:x+")}\x03-${framed("g")}`);
    const events = [];
    for (const byte of all) events.push(...r.feed(Uint8Array.of(byte)));
    assert.deepEqual(events, [
      { kind: "ack" }, { kind: "packet", data: "qSupported:x+" }, { kind: "interrupt" }, { kind: "nack" }, { kind: "packet", data: "g" },
    ]);
  });

  it("rejects a wrong checksum and non-hex checksum digits", () => {
    const r = new PacketReader();
    assert.deepEqual(r.feed(b("$g#00")), [{ kind: "bad-checksum" }]);
    assert.deepEqual(r.feed(b("$g#zz")), [{ kind: "bad-checksum" }]);
    assert.deepEqual(r.feed(b(framed("?"))), [{ kind: "packet", data: "?" }], "the reader recovers");
  });

  it("unescapes }-escaped bytes (binary X packets), the checksum over the escaped form", () => {
    const r = new PacketReader();
    const wire = "X1000,2:}\x03}\x04"; // 0x23 '#', 0x24 '$'
    assert.deepEqual(r.feed(b(framed(wire))), [{ kind: "packet", data: "X1000,2:#$" }]);
  });

  it("a $ inside a packet restarts it (the truncated one is dropped)", () => {
    const r = new PacketReader();
    assert.deepEqual(r.feed(b(`$m100${framed("?")}`)), [{ kind: "packet", data: "?" }]);
  });

  it("drops a packet longer than MAX_PACKET and says so, without keeping its bytes", () => {
    const r = new PacketReader();
    assert.deepEqual(r.feed(b(framed("M" + "0".repeat(MAX_PACKET + 10)))), [{ kind: "too-long" }]);
  });

  it("encodes replies with escapes and run-length encoding that decode back", () => {
    for (const payload of ["OK", "0".repeat(528), "a#b$c}d*e", "x".repeat(7), "y".repeat(8), "z".repeat(300), ""]) {
      const wire = encodePacket(payload).toString("latin1");
      const m = /^\$(.*)#([0-9a-f]{2})$/s.exec(wire);
      assert.ok(m, wire);
      let sum = 0;
      for (const c of m[1]) sum = (sum + c.charCodeAt(0)) & 0xff;
      assert.equal(m[2], sum.toString(16).padStart(2, "0"));
      assert.ok(!/[#$]/.test(m[1]), `no bare # or $ in ${m[1]}`);
      const unescaped = expandRuns(m[1]).replace(/\}(.)/gs, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20));
      assert.equal(unescaped, payload);
    }
    assert.ok(encodePacket("0".repeat(528)).length < 40, "a register file of zeros is run-length encoded");
  });

  it("parses numbers and register contents strictly", () => {
    assert.equal(parseHexNumber("ffffffff80c008bc"), 0xffffffff80c008bcn);
    assert.equal(parseHexNumber(""), undefined);
    assert.equal(parseHexNumber("12345678123456789"), undefined);
    assert.equal(parseHexNumber("-1"), undefined);
    assert.equal(parseLeHex(le64Hex(0x1122334455667788n)), 0x1122334455667788n);
    assert.equal(parseLeHex("abc"), undefined);
    assert.equal(fromHex("0g"), undefined);
  });
});
