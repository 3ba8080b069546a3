import assert from "node:assert/strict";
import { test } from "node:test";
import { Supervisor } from "../rootos/supervisor/supervisor.js";
import { testSystemPlan, testVmPlan } from "../rootos/supervisor/testing.js";
import { metricsText } from "./metrics.js";
import { parseExposition, sampleValue } from "./testing.js";

test("every family has HELP and TYPE, one series per VM (and label), label values escaped", async () => {
  const odd = 'odd "vm"\\1';
  const sup = new Supervisor(testSystemPlan([testVmPlan("a", { devices: [{ kind: "rng" }, { kind: "nic", network: "lan", mac: "52:54:00:00:00:0a" }] }), testVmPlan(odd)], ["lan"]), { eventLog: null });
  try {
    await sup.start("a");
    const text = await metricsText(sup);
    const e = parseExposition(text);
    assert.ok(text.includes('vm="odd \\"vm\\"\\\\1"'), "quote and backslash escaped");
    assert.equal(sampleValue(e, "bulkhead_vm_state", { vm: odd, state: "created" }), 1);
    assert.equal(sampleValue(e, "bulkhead_vm_state", { vm: "a", state: "running" }), 1);
    assert.equal(sampleValue(e, "bulkhead_vm_instructions_total", { vm: odd }), 0);
    // a VM's virtio devices, each by its label (the spin guest never drives its rng)
    assert.equal(sampleValue(e, "bulkhead_vm_virtio_requests_total", { vm: "a", device: "virtio-rng0" }), 0);
    assert.equal(sampleValue(e, "bulkhead_vm_virtio_bytes_total", { vm: "a", device: "virtio-rng0", direction: "written" }), 0);
    assert.equal(sampleValue(e, "bulkhead_vm_console_bytes_total", { vm: odd, direction: "out" }), 0);
    // the spin guest never sleeps: a histogram with no wake-ups, every bucket 0
    assert.equal(sampleValue(e, "bulkhead_vm_wake_latency_seconds_bucket", { vm: "a", le: "+Inf" }), 0);
    assert.equal(sampleValue(e, "bulkhead_vm_wake_latency_seconds_count", { vm: "a" }), 0);
    // its NIC's port on the RootOS network (the spin guest sends nothing)
    assert.equal(sampleValue(e, "bulkhead_vm_switch_frames_total", { vm: "a", network: "lan", direction: "tx" }), 0);
    assert.equal(sampleValue(e, "bulkhead_vm_switch_ring_full_total", { vm: "a", network: "lan" }), 0);
    assert.equal(sampleValue(e, "bulkhead_vm_info", { vm: "a", os: "bare-metal", criticality: "general", boot: "bare" }), 1);
    for (const [name, type] of e.types) {
      assert.ok(e.help.has(name), `${name} has HELP`);
      if (type === "counter") assert.match(name, /_total$/, "counters end in _total");
      const of = type === "histogram" ? (s: string) => s === `${name}_count` : (s: string) => s === name;
      assert.ok(e.samples.filter((s) => of(s.name) && s.labels["vm"] === "a").length >= 1, `${name} has a series for vm a`);
    }
  } finally {
    await sup.close();
  }
});

test("the format checker refuses what promtool would", () => {
  const ok = "# HELP x_total X.\n# TYPE x_total counter\nx_total{vm=\"a\"} 1\n";
  assert.equal(parseExposition(ok).samples[0]!.value, 1);
  const bad: [string, RegExp][] = [
    ["x_total{vm=\"a\"} 1\n", /without a TYPE/],
    ["# TYPE x_total counter\nx_total{vm=a} 1\n", /not in the exposition format/],
    ["# TYPE x_total counter\nx_total{vm=\"a\"} one\n", /not in the exposition format/],
    ["# TYPE x_total counter\nx_total{vm=\"a\"} 1\nx_total{vm=\"a\"} 2\n", /series given twice/],
    ["# TYPE x counter\n# TYPE y gauge\nx 1\ny 1\n", /continues after another family/],
    ["# TYPE x_total counter\nx_total 1", /end with a newline/],
    ["# TYPE x_total ctr\n", /not in the exposition format/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseExposition(text), why, text);
});
