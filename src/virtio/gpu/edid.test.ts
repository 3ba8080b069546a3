import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { buildEdid, cvtReducedBlanking } from "./edid.js";

test("CVT reduced blanking: 1280x800 and 1920x1080 at 60 Hz match VESA's published timings", () => {
  // VESA DMT 1.13: 1280x800 RB 71.00 MHz, htotal 1440, vtotal 823; 1920x1080 RB 138.50 MHz, vtotal 1111.
  const a = cvtReducedBlanking({ width: 1280, height: 800 });
  assert.deepEqual([a.clockKhz, a.hActive + a.hBlank, a.vActive + a.vBlank, a.vSync], [71_000, 1440, 823, 6]);
  const b = cvtReducedBlanking({ width: 1920, height: 1080 });
  assert.deepEqual([b.clockKhz, b.hActive + b.hBlank, b.vActive + b.vBlank, b.vSync], [138_500, 2080, 1111, 5]);
});

const decoder = spawnSync("edid-decode", ["--help"], { encoding: "utf8" });
const noDecoder = decoder.error ? "edid-decode not installed (apt-get install edid-decode)" : false;

test("edid-decode reads each block as valid EDID 1.4 whose preferred mode is the configured one", { skip: noDecoder }, () => {
  for (const [w, h] of [[1280, 800], [1920, 1080], [1024, 768], [800, 600], [3840, 2160]] as const) {
    const r = spawnSync("edid-decode", ["--check"], { input: buildEdid({ width: w, height: h }), encoding: "utf8" });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, `${w}x${h}: edid-decode --check failed:\n${out}`);
    assert.match(out, /EDID Structure Version & Revision: 1\.4/);
    assert.match(out, new RegExp(`DTD 1:\\s+${w}x${h}\\s+(59|60)\\.\\d+ Hz`), `${w}x${h}: the first detailed timing`);
    assert.match(out, /Display Product Name: 'Bulkhead'/);
    assert.doesNotMatch(out, /Failures:\s*[1-9]/);
  }
});
