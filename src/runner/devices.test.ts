import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MessageChannel } from "node:worker_threads";
import { VirtualSwitch } from "../net/switch.js";
import { waitFor } from "../rootos/supervisor/testing.js";
import { Screen } from "../display/screen.js";
import { DeviceOpenError, MessagePortLink, openDevices } from "./devices.js";

const frame = (dst: number, src: number) => Uint8Array.from([...Array(6).fill(dst), ...Array(6).fill(src), 0x08, 0x00, 1, 2, 3]);

test("a NIC's MessagePort link reaches a switch port in the other thread's place, both ways", async () => {
  const sw = new VirtualSwitch("lan");
  const { port1, port2 } = new MessageChannel();
  const sp = sw.port();
  sp.receive((f) => port1.postMessage(f));
  port1.on("message", (f: Uint8Array) => sp.send(f));
  const link = new MessagePortLink(port2, "switch lan");
  const other = sw.port();
  const atOther: Uint8Array[] = [];
  other.receive((f) => atOther.push(f));
  const atLink: Uint8Array[] = [];
  link.receive((f) => atLink.push(f));
  try {
    const sent = frame(0xff, 2);
    link.send(sent);
    // The frames cross a MessagePort: wait for them (a loaded host may take a while).
    await waitFor("the link's broadcast at the other port", () => atOther.length > 0);
    other.send(frame(0x02, 4)); // to the link's MAC, learned from its first frame
    await waitFor("the unicast at the link", () => atLink.length > 0);
    assert.deepEqual(atOther.map((f) => [...f]), [[...sent]], "broadcast from the link");
    assert.equal(sent[0], 0xff, "the sender keeps its buffer");
    assert.deepEqual(atLink.map((f) => f[6]), [4], "unicast to the link");
  } finally {
    link.close();
    port1.close();
  }
});

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
  ], { timing: "virtual", nicPorts: [], portOutput: (name, b) => out.push(`${name}:${Buffer.from(b)}`) });
  assert.deepEqual(opened.devices.map((d) => [d.transport, d.hostInput ?? false]), [["virtio-pci", false], ["virtio-pci", false], ["virtio-pci", true]]);
  assert.deepEqual([...opened.keptPorts.keys()], ["console", "wd"]);
  opened.keptPorts.get("wd")!.write(Buffer.from("kick"));
  assert.deepEqual(out, ["wd:kick"]);
  await opened.close();

  await assert.rejects(openDevices([
    { kind: "rng" },
    { kind: "block", partition: "p", disk: "d", image: join(dir, "missing.img"), offset: 0, size: 1 << 20, readonly: false },
  ], { timing: "realtime", nicPorts: [], portOutput: () => {} }), /missing\.img/);
});

test("a display opens as a GPU, a keyboard and a tablet on virtio-pci; input before a boot is refused; no screen, no display", async () => {
  const display = { kind: "display", name: "hmi", width: 1024, height: 768 } as const;
  const ctx = { timing: "virtual" as const, nicPorts: [], portOutput: () => {} };
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
