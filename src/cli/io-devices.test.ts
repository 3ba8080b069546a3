import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { formatMac } from "../net/index.js";
import { CliError } from "./cli-error.js";
import { parseRunArgs } from "./run.js";
import { createSocket } from "node:dgram";
import { openDevices } from "../runner/devices.js";
import { parseConsole, parseNetdev, parseNetdevs, parsePort, parsePorts, splitKeyValues } from "./io-devices.js";
import { deviceOptionError, planDevices, type RunOptions } from "./run.js";

/** `bulkhead run`'s --netdev, --port and --console opened as run opens them: planned, then the one device factory. */
async function openIo(o: Pick<RunOptions, "netdevs" | "ports" | "console">) {
  const opts = { drives: [], rng: false, ...o };
  const { devices, options } = planDevices(opts);
  try {
    return await openDevices(devices, { timing: "realtime", nicRings: [], portOutput: () => {} });
  } catch (e) {
    throw deviceOptionError(e, opts, options);
  }
}

const dir = mkdtempSync(join(tmpdir(), "bulkhead-io-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function usage(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof CliError && e.status === 2 && re.test(e.message) && !e.message.includes("\n"));
}

test("key=value lists in QEMU's syntax: ',,' is a comma", () => {
  assert.deepEqual(splitKeyValues("udp,local=a:1,mac=x"), [["udp", undefined], ["local", "a:1"], ["mac", "x"]]);
  assert.deepEqual(splitKeyValues("file=a,,b.log"), [["file", "a,b.log"]]);
});

test("--netdev udp: addresses, default MAC per NIC, mac= and if=", () => {
  const n = parseNetdev("udp,local=127.0.0.1:5000,remote=127.0.0.1:5001", 0);
  assert.deepEqual([n.local.host, n.local.port, n.remote.port, formatMac(n.mac), n.transport], ["127.0.0.1", 5000, 5001, "52:54:00:12:34:56", "virtio-pci"]);
  assert.equal(formatMac(parseNetdev("udp,local=127.0.0.1:5000,remote=127.0.0.1:5001", 2).mac), "52:54:00:12:34:58");
  const m = parseNetdev("udp,remote=[::1]:6,local=[::1]:7,mac=52:54:00:aa:bb:cc,if=virtio-mmio", 0);
  assert.deepEqual([formatMac(m.mac), m.transport, m.local.family], ["52:54:00:aa:bb:cc", "virtio-mmio", "udp6"]);
});

test("--netdev mistakes are one line naming the option and what is wrong", () => {
  const ok = "local=127.0.0.1:5000,remote=127.0.0.1:5001";
  usage(() => parseNetdev(`tap,${ok}`, 0), /^run: --netdev tap,local=.*: 'tap' is not a backend type \(udp\) \(expected udp,local=HOST:PORT/);
  usage(() => parseNetdev(ok, 0), /'local=127\.0\.0\.1:5000' is not a backend type/);
  usage(() => parseNetdev("udp,remote=127.0.0.1:5001", 0), /local= is missing/);
  usage(() => parseNetdev("udp,local=127.0.0.1:5000", 0), /remote= is missing/);
  usage(() => parseNetdev("udp,local=127.0.0.1,remote=127.0.0.1:5001", 0), /local= '127\.0\.0\.1' is not HOST:PORT/);
  usage(() => parseNetdev("udp,local=host.example:1,remote=127.0.0.1:5001", 0), /names are not looked up/);
  usage(() => parseNetdev(`udp,${ok},mac=01:00:00:00:00:01`, 0), /mac '01:00:00:00:00:01' is a multicast address/);
  usage(() => parseNetdev(`udp,${ok},mac=zz`, 0), /is not six hex bytes/);
  usage(() => parseNetdev(`udp,${ok},speed=10`, 0), /unknown key 'speed'/);
  usage(() => parseNetdev(`udp,${ok},local=127.0.0.1:1`, 0), /local= given twice/);
  usage(() => parseNetdev(`udp,${ok},if=e1000`, 0), /if=e1000 is not virtio-pci or virtio-mmio/);
  usage(() => parseNetdev("udp,local=127.0.0.1:5000,remote=127.0.0.1:5000", 0), /are the same address/);
  usage(() => parseNetdev("udp,local=127.0.0.1:5000,remote=[::1]:5000", 0), /not the same IP version/);
  usage(() => parseNetdevs([`udp,${ok},mac=52:54:00:00:00:01`, "udp,local=127.0.0.1:6000,remote=127.0.0.1:6001,mac=52:54:00:00:00:01"]), /MAC 52:54:00:00:00:01 is the MAC of --netdev .* too/);
});

test("--port: a name and one host end", () => {
  assert.deepEqual(parsePort("name=org.test.0,socket=/tmp/a.sock").host, { kind: "unix", path: "/tmp/a.sock" });
  assert.deepEqual(parsePort("name=log,file=out,,1.txt").host, { kind: "file", path: "out,1.txt" });
  assert.deepEqual(parsePort("tcp=127.0.0.1:4555,name=sh").host, { kind: "tcp", port: 4555 });
  usage(() => parsePort("socket=/tmp/a"), /^run: --port socket=\/tmp\/a: name= is missing \(expected name=NAME,socket=PATH\|file=PATH\|tcp=127\.0\.0\.1:PORT\)$/);
  usage(() => parsePort("name=a/b,file=x"), /name 'a\/b' may hold only letters, digits and \. _ \+ -/);
  usage(() => parsePort("name=a"), /give its host end: socket=, file= or tcp=/);
  usage(() => parsePort("name=a,file=x,socket=y"), /give one host end, not socket= and file=/);
  usage(() => parsePort("name=a,tcp=0.0.0.0:4555"), /listens on 127\.0\.0\.1 only/);
  usage(() => parsePort("name=a,file="), /file= is empty/);
  usage(() => parsePort("name=a,pipe=x"), /unknown key 'pipe'/);
  usage(() => parsePorts(["name=a,file=x", "name=a,file=y"]), /another --port is named 'a' already/);
  assert.equal(parseConsole(undefined), "serial");
  assert.equal(parseConsole("hvc"), "hvc");
  usage(() => parseConsole("ttyS0"), /--console must be serial or hvc, not 'ttyS0'/);
});

test("opening: devices for each NIC and one console; a port that cannot be opened closes everything opened before it", async () => {
  const sock = join(dir, "a.sock");
  const io = await openIo({
    netdevs: [{ ...parseNetdev("udp,local=127.0.0.1:1,remote=127.0.0.1:9", 0), local: { host: "127.0.0.1", port: 0, family: "udp4" } }],
    ports: parsePorts([`name=a,socket=${sock}`, `name=b,file=${join(dir, "b.log")}`]),
    console: "hvc",
  });
  assert.equal(io.devices.length, 2);
  assert.ok(io.keptPorts.has(""), "hvc0, the terminal's port");
  assert.ok(existsSync(sock));
  await io.close();
  assert.ok(!existsSync(sock));

  const sock2 = join(dir, "c.sock");
  await assert.rejects(openIo({
    netdevs: [],
    ports: parsePorts([`name=a,socket=${sock2}`, `name=b,file=${join(dir, "nodir", "b.log")}`]),
    console: "serial",
  }), (e: unknown) => e instanceof CliError && e.status === 1 && e.message === `--port name=b,file=${join(dir, "nodir", "b.log")}: file ${join(dir, "nodir", "b.log")}: no such directory`);
  assert.ok(!existsSync(sock2), "the socket opened first was closed again");

  const none = await openIo({ netdevs: [], ports: [], console: "serial" });
  assert.equal(none.devices.length, 0, "only the devices asked for exist");
});

test("a UDP port in use is a one-line error naming the --netdev", async () => {
  const first = createSocket("udp4");
  await new Promise<void>((res) => first.bind(0, "127.0.0.1", res));
  try {
    const port = first.address().port;
    const text = `udp,local=127.0.0.1:${port},remote=127.0.0.1:9`;
    await assert.rejects(openIo({ netdevs: [parseNetdev(text, 0)], ports: [], console: "serial" }),
      (e: unknown) => e instanceof CliError && e.message === `--netdev ${text}: cannot bind 127.0.0.1:${port}: the address is in use (another VM or program has it; pick another port)`);
  } finally {
    first.close();
  }
});

test("bulkhead run takes --netdev and --port repeatedly, and --console", () => {
  const o = parseRunArgs([
    "--netdev", "udp,local=127.0.0.1:5000,remote=127.0.0.1:5001", "--netdev", "udp,local=127.0.0.1:5002,remote=127.0.0.1:5003",
    "--port", "name=a,socket=/tmp/a.sock", "--port", "name=b,tcp=127.0.0.1:4555", "--console", "hvc",
  ]);
  assert.deepEqual(o.netdevs.map((n) => formatMac(n.mac)), ["52:54:00:12:34:56", "52:54:00:12:34:57"]);
  assert.deepEqual(o.ports.map((p) => p.name), ["a", "b"]);
  assert.equal(o.console, "hvc");
  const d = parseRunArgs([]);
  assert.deepEqual([d.netdevs, d.ports, d.console], [[], [], "serial"]);
  usage(() => parseRunArgs(["--netdev"]), /option --netdev needs a value/);
  usage(() => parseRunArgs(["--port", "name=x"]), /^run: --port name=x: give its host end/);
});
