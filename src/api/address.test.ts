import assert from "node:assert/strict";
import { test } from "node:test";
import { parseApiAddress } from "./address.js";
import { isLoopback } from "./auth.js";

test("API addresses: HOST:PORT, [V6]:PORT, a port alone; anything else says how to write one", () => {
  assert.deepEqual(parseApiAddress("7731"), { host: "127.0.0.1", port: 7731 });
  assert.deepEqual(parseApiAddress("box.local:7730"), { host: "box.local", port: 7730 });
  assert.deepEqual(parseApiAddress("0.0.0.0:80"), { host: "0.0.0.0", port: 80 });
  assert.deepEqual(parseApiAddress("[::1]:7730"), { host: "::1", port: 7730 });
  for (const bad of ["", "host", "host:port", "host:0", "host:70000", "::1:7730", "http://host:7730"]) {
    assert.throws(() => parseApiAddress(bad), /not an API address: '.*' \(write HOST:PORT, e\.g\. 127\.0\.0\.1:7730, or a port\)/, bad);
  }
});

test("loopback: 127/8, ::1, localhost; nothing else", () => {
  assert.deepEqual(["127.0.0.1", "127.1.2.3", "::1", "localhost"].map(isLoopback), [true, true, true, true]);
  assert.deepEqual(["0.0.0.0", "::", "192.168.1.2", "127.example.com", "::ffff:127.0.0.1"].map(isLoopback), [false, false, false, false, false]);
});
