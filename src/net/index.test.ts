import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultMac, formatMac, NetError, parseEndpoint, parseMac } from "./index.js";

test("endpoints: IPv4, [IPv6], localhost; no name lookups", () => {
  assert.deepEqual(parseEndpoint("127.0.0.1:5000", "local"), { host: "127.0.0.1", port: 5000, family: "udp4" });
  assert.deepEqual(parseEndpoint("[::1]:7", "local"), { host: "::1", port: 7, family: "udp6" });
  assert.deepEqual(parseEndpoint("localhost:9", "remote"), { host: "127.0.0.1", port: 9, family: "udp4" });
  assert.equal(parseEndpoint("127.0.0.1:0", "local", true).port, 0);
  const bad = (t: string, re: RegExp) => assert.throws(() => parseEndpoint(t, "remote"), (e: unknown) => e instanceof NetError && re.test(e.message));
  bad("127.0.0.1", /^remote '127.0.0.1' is not HOST:PORT: expected an address and a port/);
  bad("127.0.0.1:0", /port 0 is not from 1 to 65535/);
  bad("127.0.0.1:70000", /port 70000/);
  bad("example.com:80", /names are not looked up/);
  bad("300.1.1.1:80", /not an IPv4 address/);
  bad("[zz]:80", /expected an address/);
});

test("MAC addresses: parse, format, refuse multicast and zero", () => {
  assert.equal(formatMac(parseMac("52:54:00:AB:cd:01")), "52:54:00:ab:cd:01");
  assert.equal(formatMac(parseMac("52-54-00-ab-cd-01")), "52:54:00:ab:cd:01");
  assert.equal(formatMac(defaultMac(1)), "52:54:00:12:34:57");
  assert.throws(() => parseMac("52:54:00:ab:cd"), /is not six hex bytes/);
  assert.throws(() => parseMac("52:54-00:ab:cd:01"), /is not six hex bytes/);
  assert.throws(() => parseMac("01:00:5e:00:00:01"), /multicast/);
  assert.throws(() => parseMac("00:00:00:00:00:00"), /all zeros/);
});
