import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Progress, formatBytes } from "./progress.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 80, write: (s: string) => chunks.push(s) }, text: () => chunks.join("") };
}

describe("progress", () => {
  it("prints plain start and end lines when not on a terminal", () => {
    const s = sink(false);
    const p = new Progress(2, s.out);
    const a = p.step("first");
    a.update("ignored");
    a.bar(1, 2, "ignored");
    a.done("ok");
    p.step("second").fail();
    assert.match(s.text(), /^\[1\/2\] first \.\.\.\n\[1\/2\] first: ok \(\d+\.\d s\)\n\[2\/2\] second \.\.\.\n\[2\/2\] second: failed after \d+\.\d s\n$/);
    assert.ok(!s.text().includes("\r"));
  });

  it("redraws one line with a bar on a terminal", () => {
    const s = sink(true);
    const step = new Progress(1, s.out).step("download");
    step.bar(5, 10, "5 / 10");
    step.done();
    assert.ok(s.text().includes("\r\x1b[K[1/1] download [##########..........] 5 / 10"));
    assert.match(s.text(), /\r\x1b\[K\[1\/1\] download: done \(\d+\.\d s\)\n$/);
  });

  it("formats sizes", () => {
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(204072), "204 kB");
    assert.equal(formatBytes(115_500_000), "115.5 MB");
  });
});
