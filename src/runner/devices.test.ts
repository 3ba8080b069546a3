import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Screen } from "../display/screen.js";
import { DeviceOpenError, openDevices } from "./devices.js";

test("open a VM's devices from its plan: disk range, rng, kept console ports; all or nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-dev-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, "disk.img");
  writeFileSync(image, new Uint8Array(3 << 20));
  const out: string[] = [];
  const opened = await openDevices([
    { kind: "block", partition: "data", disk: "d0", image, offset: 1 << 20, size: 1 << 20, readonly: true },
    { kind: "rng" },
    { kind: "console", ports: [{ name: "console" }, { name: "wd" }] },
    { kind: "passthrough-serial", name: "uart1", host: { kind: "stdio" } },
  ], { timing: "virtual", nicRings: [], portOutput: (name, b) => out.push(`${name}:${Buffer.from(b)}`) });
  assert.deepEqual(opened.devices.map((d) => [d.transport, d.hostInput ?? false]), [["virtio-pci", false], ["virtio-pci", false], ["virtio-pci", true]]);
  assert.deepEqual([...opened.keptPorts.keys()], ["console", "wd"]);
  opened.keptPorts.get("wd")!.write(Buffer.from("kick"));
  assert.deepEqual(out, ["wd:kick"]);
  await opened.close();

  await assert.rejects(openDevices([
    { kind: "rng" },
    { kind: "block", partition: "p", disk: "d", image: join(dir, "missing.img"), offset: 0, size: 1 << 20, readonly: false },
  ], { timing: "realtime", nicRings: [], portOutput: () => {} }), /missing\.img/);
});

test("a display opens as a GPU, a keyboard and a tablet on virtio-pci; input before a boot is refused; no screen, no display", async () => {
  const display = { kind: "display", name: "hmi", width: 1024, height: 768 } as const;
  const ctx = { timing: "virtual" as const, nicRings: [], portOutput: () => {} };
  const opened = await openDevices([{ kind: "rng" }, display], { ...ctx, screen: new Screen() });
  try {
    assert.deepEqual(opened.devices.map((d) => d.transport), ["virtio-pci", "virtio-pci", "virtio-pci", "virtio-pci"]);
    assert.deepEqual(opened.devices.map((d) => d.hostInput ?? false), [false, false, true, true], "the input devices take host input");
    assert.equal(opened.input?.({ device: "keyboard", events: [{ type: 1, code: 30, value: 1 }] }), false, "no machine has built the keyboard yet");
  } finally {
    await opened.close();
  }
  await assert.rejects(openDevices([display], ctx), (e: unknown) => e instanceof DeviceOpenError && e.index === 0 && /no screen/.test(e.message));
  await assert.rejects(openDevices([display, display], { ...ctx, screen: new Screen() }), (e: unknown) => e instanceof DeviceOpenError && e.index === 1 && /at most one display/.test(e.message));
  assert.equal((await openDevices([], ctx)).input, undefined);
});
