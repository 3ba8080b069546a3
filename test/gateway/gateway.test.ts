// The reference system end to end (examples/gateway.yaml beside examples/cloud.yaml, two
// `bulkhead up --headless`, linked by the board NIC's UDP cable), with Debian's kernel,
// busybox and nftables as the judges: the HMI fetches from the cloud's web server through
// the gateway's NAT; a port the rule set forbids is refused; the cloud cannot open a
// connection to the HMI; `nft list ruleset` shows the example's rules; the cloud's
// collector receives the real-time executive's status lines, which the gateway read from
// the persistent partition, read-only for it. Realtime timing: the VMs talk to each other.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { PNG } from "pngjs";
import { postCommand } from "../../src/api/client.js";
import type { SlotsInfo } from "../../src/rootos/supervisor/types.js";
import { describeRun, ensureImages, freeUdpPorts, repoRoot, runBulkhead } from "../support/bulkhead.js";
import { ApiConsole, startUp, type Up } from "../support/up.js";

let dir: string;
const ups: Up[] = [];
let cloudUp: Up, gwUp: Up;
let cloud: ApiConsole, gateway: ApiConsole, hmi: ApiConsole;
let hmiIp: string;

before(async () => {
  await ensureImages();
  dir = mkdtempSync(join(tmpdir(), "bulkhead-gateway-"));
  cpSync(join(repoRoot, "examples/gateway"), join(dir, "gateway"), { recursive: true });
  // The cable on ports free now, instead of the example's fixed 7101/7102.
  const [a, b] = await freeUdpPorts(2);
  for (const f of ["gateway.yaml", "cloud.yaml"]) {
    const text = readFileSync(join(repoRoot, "examples", f), "utf8").replaceAll("127.0.0.1:7101", `127.0.0.1:${a}`).replaceAll("127.0.0.1:7102", `127.0.0.1:${b}`);
    writeFileSync(join(dir, f), text.replace("../schema/", `${repoRoot}schema/`));
  }
  cloudUp = await startUp(join(dir, "cloud.yaml"), dir, "cloud");
  gwUp = await startUp(join(dir, "gateway.yaml"), dir, "gateway");
  ups.push(cloudUp, gwUp);
  cloud = await new ApiConsole("cloud", cloudUp).open(120_000);
  gateway = await new ApiConsole("gateway", gwUp).open(120_000);
  hmi = await new ApiConsole("hmi", gwUp).open(120_000);
  await cloud.waitFor(/cloud: up/, 5 * 60_000);
  await gateway.waitFor(/gateway: up/, 5 * 60_000);
  hmiIp = (await hmi.waitFor(/hmi: (10\.10\.0\.\d+)\/24 from the gateway/, 5 * 60_000))[1]!;
  await hmi.waitFor(/hmi: up/, 60_000);
}, { timeout: 20 * 60_000 });

after(async () => {
  for (const c of [cloud, gateway, hmi]) c?.close();
  await Promise.all(ups.map((u) => u.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the gateway: NAT for the HMI, the rule set's refusals, nothing in from the cloud, the RT log shipped from the persistent partition",
  { timeout: 10 * 60_000 }, async () => {

    // The HMI's screen (the board's display): its status text on fbcon, seen in screen.png.
    const png = await fetch(`http://${gwUp.api}/v1/vms/hmi/screen.png`);
    assert.equal(png.status, 200);
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    assert.deepEqual([image.width, image.height], [1280, 800]);
    let lit = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! + image.data[i + 1]! + image.data[i + 2]! > 200) lit++;
    assert.ok(lit > 500, `the HMI's screen shows text (${lit} lit pixels)`);

    // Out through NAT: the cloud's page; the cloud sees the gateway's address, not the HMI's.
    const fetched = await hmi.run("wget -q -T 10 -O - http://198.51.100.1/");
    assert.match(fetched, /hello from the cloud\s+status=0/, fetched);
    // A port the rule set does not allow out: reset at the gateway at once.
    const forbidden = await hmi.run("nc -w 5 198.51.100.1 5140 </dev/null");
    assert.match(forbidden, /Connection refused[^]*status=1/, forbidden);

    // The rule set as the example wrote it.
    const rules = await gateway.run("nft list ruleset");
    assert.match(rules, /chain forward \{\s+type filter hook forward priority filter; policy drop;/, rules);
    assert.match(rules, /iifname "lan" oifname "wan" tcp dport \{ 80, 443 \} accept/, rules);
    assert.match(rules, /oifname "wan" masquerade/, rules);

    // Nothing in: a listener on the HMI that the gateway itself reaches, and the cloud does not.
    await hmi.run("httpd -p 8080 -h /etc/hmi");
    const inside = await gateway.run(`wget -q -T 5 -O /dev/null http://${hmiIp}:8080/start.sh`);
    assert.match(inside, /status=0/, `the HMI's listener is up (from the gateway): ${inside}`);
    const inbound = await cloud.run(`ip route add 10.10.0.0/24 via 198.51.100.2; nc -w 5 ${hmiIp} 8080 </dev/null`);
    assert.match(inbound, /status=1/, inbound);
    const toGateway = await cloud.run("nc -w 5 198.51.100.2 80 </dev/null");
    assert.match(toGateway, /status=1/, toGateway);

    // The persistent partition is read-only for the gateway.
    const write = await gateway.run("for b in /sys/block/vd*; do head -c 32 /dev/${b##*/} | grep -q 'bulkhead RootOS' && d=/dev/${b##*/}; done; " +
      "echo x | dd of=$d bs=1 count=1 conv=notrunc,fsync");
    assert.match(write, /(Operation not permitted|Read-only file system|Permission denied)[^]*status=1/, write);

    // The executive's status lines, from the RootOS's log on the persistent partition, at the cloud.
    const end = Date.now() + 120_000;
    let collected = "";
    while (Date.now() < end) {
      collected = await cloud.run("grep -c ' rt .*console .*rt: t=' /var/log/collected");
      if (/^[1-9]\d*$/m.test(collected)) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    assert.match(collected, /^[1-9]\d*\s+status=0/m, `the cloud collected no rt status line: ${collected}`);
  });

/** Sign `elf` as rt's version `version` with the example's demo key, into the cloud's images. */
async function publish(version: number, elf: string, tamper = false): Promise<void> {
  const images = join(dir, "gateway/cloud/www/images/rt");
  const out = join(images, `rt-v${version}.bundle`);
  const r = await runBulkhead(["image", "sign", "--key", join(dir, "gateway/keys/demo.key"), "--target", "rt", "--version", String(version),
    "--out", out, `kernel=${elf}`], { timeoutMs: 60_000 });
  assert.equal(r.status, 0, describeRun("image sign", r));
  if (tamper) {
    const b = readFileSync(out);
    b[b.length >> 1]! ^= 0x40; // one bit of the program: its digest no longer matches
    writeFileSync(out, b);
  }
  writeFileSync(join(images, "LATEST"), `${version}\n`);
}

async function slots(): Promise<SlotsInfo> {
  return (await postCommand({ address: gwUp.api }, ["slots", "rt"])).data as SlotsInfo;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not after ${ms} ms\n--- gateway\n${gateway.text.slice(-2000)}\n--- bulkhead up\n${gwUp.out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test("upgrades from the cloud: version 2 fetched by the gateway and booted; a tampered one refused with its reason; one that never kicks its watchdog rolled back",
  { timeout: 10 * 60_000 }, async () => {
    assert.equal((await slots()).committed, 1);
    const executive = join(repoRoot, "guests/rt-executive/rt-executive.elf");

    await publish(2, executive);
    await gateway.waitFor(/gateway: rt version 2 handed to the RootOS: ok/, 120_000);
    await until("version 2 committed", 120_000, async () => ((await slots()).committed === 2 ? true : undefined));
    const v2 = await slots();
    assert.equal(v2.slots.find((x) => x.slot === v2.active)?.version, 2);

    // One bit changed: the signature does not cover it; the RootOS says so and rt runs on.
    await publish(3, executive, true);
    const refused = await gateway.waitFor(/gateway: rt version 3 handed to the RootOS: (error: .*)/, 120_000);
    assert.match(refused[1]!, /digest|signature|verif/i, refused[1]);
    assert.match(gwUp.out(), /rt .*upgrade.*(refused|digest|signature)/i);
    assert.equal((await slots()).committed, 2);

    // A program that never kicks the watchdog: booted on trial, rolled back to version 2.
    await publish(4, join(repoRoot, "test/guests/bin/spin.elf"));
    await gateway.waitFor(/gateway: rt version 4 handed to the RootOS: ok/, 120_000);
    await until("version 4 rolled back", 180_000, async () => (/rollback: version 4 in slot \S+ did not come up healthy/.test(gwUp.out()) ? true : undefined));
    const after = await until("rt running version 2 again", 120_000, async () => {
      const s = await slots();
      return s.trial === null && s.slots.find((x) => x.slot === s.active)?.version === 2 ? s : undefined;
    });
    assert.equal(after.committed, 2);
  });
