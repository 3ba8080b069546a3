import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { buildGpt } from "../images/gpt.js";
import { CliError } from "./cli-error.js";
import { openDevices } from "../runner/devices.js";
import { parseDrive, parseVirtfs } from "./devices.js";
import { deviceOptionError, planDevices, type RunOptions } from "./run.js";

/** `bulkhead run`'s device options opened as run opens them: planned, then the one device factory. */
async function openRunDevices(o: Partial<RunOptions> & Pick<RunOptions, "timing">) {
  const opts = { drives: [], shares: [], rng: false, netdevs: [], ports: [], console: "serial" as const, ...o };
  const { devices, options } = planDevices(opts);
  try {
    return await openDevices(devices, { timing: opts.timing, nicRings: [], portOutput: () => {} });
  } catch (e) {
    throw deviceOptionError(e, opts, options);
  }
}

const dir = mkdtempSync(join(tmpdir(), "bulkhead-cli-devices-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const usage = (re: RegExp) => (e: unknown) => e instanceof CliError && e.status === 2 && re.test(e.message);

describe("--drive", () => {
  test("file= alone: the whole image, read-write, on virtio-pci", () => {
    assert.deepEqual(parseDrive("file=a.img"), { file: "a.img", range: { kind: "whole" }, readOnly: false, transport: "virtio-pci", text: "file=a.img" });
  });

  test("part=, name=, readonly=, if=, and ',,' for a comma in the path", () => {
    const d = parseDrive("file=my,,disk.img,part=2,readonly=on,if=virtio-mmio");
    assert.equal(d.file, "my,disk.img");
    assert.deepEqual(d.range, { kind: "partition", number: 2 });
    assert.equal(d.readOnly, true);
    assert.equal(d.transport, "virtio-mmio");
    assert.deepEqual(parseDrive("file=a,name=root fs").range, { kind: "partition-name", name: "root fs" });
    assert.equal(parseDrive("file=a,if=virtio").transport, "virtio-pci");
  });

  test("mistakes name the option and what is wrong", () => {
    assert.throws(() => parseDrive("part=1"), usage(/--drive part=1: file= is missing/));
    assert.throws(() => parseDrive("file=a,part=0"), usage(/part=0 is not a partition number/));
    assert.throws(() => parseDrive("file=a,part=x"), usage(/part=x/));
    assert.throws(() => parseDrive("file=a,name="), usage(/name= is empty/));
    assert.throws(() => parseDrive("file=a,file=b"), usage(/file= given twice/));
    assert.throws(() => parseDrive("file=a,ro"), usage(/'ro' is not key=value/));
    assert.throws(() => parseDrive("file=a,format=raw"), usage(/unknown key 'format'/));
  });
});

describe("--virtfs", () => {
  test("QEMU's keys: local, path=, mount_tag=; writable unless readonly=on; virtio-pci unless if=", () => {
    assert.deepEqual(parseVirtfs("local,path=/srv/x,mount_tag=host"), { path: "/srv/x", tag: "host", readOnly: false, transport: "virtio-pci", text: "local,path=/srv/x,mount_tag=host" });
    const v = parseVirtfs("local,path=a,,b,mount_tag=t,readonly=on,security_model=none,if=virtio-mmio");
    assert.deepEqual([v.path, v.readOnly, v.transport], ["a,b", true, "virtio-mmio"]);
  });

  test("mistakes name the option and what is wrong", () => {
    assert.throws(() => parseVirtfs("path=a,mount_tag=t"), usage(/--virtfs path=a,mount_tag=t: the driver must be 'local'/));
    assert.throws(() => parseVirtfs("local,mount_tag=t"), usage(/path= is missing/));
    assert.throws(() => parseVirtfs("local,path=a"), usage(/mount_tag= is missing/));
    assert.throws(() => parseVirtfs("local,path=a,mount_tag=a b"), usage(/mount_tag=a b is not 1 to 64/));
    assert.throws(() => parseVirtfs("local,path=a,mount_tag=t,security_model=mapped"), usage(/only none/));
    assert.throws(() => parseVirtfs("local,path=a,mount_tag=t,readonly=maybe"), usage(/readonly=maybe is not on or off/));
    assert.throws(() => parseVirtfs("local,path=a,mount_tag=t,id=x"), usage(/unknown key 'id'/));
  });
});

describe("openDevices", () => {
  const img = join(dir, "d.img");
  const fd = openSync(img, "w");
  ftruncateSync(fd, 4 << 20);
  for (const w of buildGpt(4 << 20, [{ name: "p", size: 1 << 20 }]).writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
  closeSync(fd);

  test("drives in order, then the rng; each builds a fresh device per boot", async () => {
    const o = await openRunDevices({ drives: [parseDrive(`file=${img}`), parseDrive(`file=${img},name=p,if=virtio-mmio`)], rng: true, timing: "virtual" });
    assert.deepEqual(o.devices.map((d) => d.transport), ["virtio-pci", "virtio-mmio", "virtio-pci"]);
    const env = { timing: "virtual" as const, wake: () => {}, log: () => {} };
    const a = o.devices[1]!.create(env), b = o.devices[1]!.create(env);
    assert.notEqual(a, b);
    assert.deepEqual([a.label, a.type, o.devices[2]!.create(env).type], ["virtio-blk1", 2, 4]);
    await o.close();
  });

  test("a share after the drives; a missing directory fails with one line naming it and closes what was opened", async () => {
    const o = await openRunDevices({ drives: [parseDrive(`file=${img}`)], shares: [parseVirtfs(`local,path=${dir},mount_tag=host,if=virtio-mmio`)], rng: false, timing: "virtual" });
    assert.deepEqual(o.devices.map((d) => d.transport), ["virtio-pci", "virtio-mmio"]);
    const env = { timing: "virtual" as const, wake: () => {}, log: () => {} };
    const dev = o.devices[1]!.create(env);
    assert.deepEqual([dev.label, dev.type], ["virtio-9p0", 9]);
    await o.close();
    await assert.rejects(
      openRunDevices({ drives: [], shares: [parseVirtfs(`local,path=${join(dir, "nowhere")},mount_tag=host`)], rng: false, timing: "realtime" }),
      (e: unknown) => e instanceof CliError && e.status === 1 && /^--virtfs local,path=.*nowhere,mount_tag=host: share directory .*nowhere: .*ENOENT/.test(e.message),
    );
  });

  test("all or nothing: a bad second drive fails with one line naming it", async () => {
    await assert.rejects(
      openRunDevices({ drives: [parseDrive(`file=${img}`), parseDrive(`file=${img},part=4`)], rng: false, timing: "realtime" }),
      (e: unknown) => e instanceof CliError && e.status === 1 && /^--drive file=.*,part=4: .* has no partition 4 \(its partitions: 1 'p'\)$/.test(e.message),
    );
  });
});
