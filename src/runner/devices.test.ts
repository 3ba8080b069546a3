import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openDevices } from "./devices.js";

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
